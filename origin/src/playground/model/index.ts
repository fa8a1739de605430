/**
 * What the page's scripts import (served as /.playground/model.js, bundled by model-bundle.ts):
 * the origin's own Cloudflare codecs and the URL builders made on them, with nothing of Node.
 */
export { FIELDS, optionText, type Field } from './fields.js';
export { fieldNamedIn, readForm, type FormReading, type FormValues, type Problem } from './read-form.js';
export { grammarUrls, requestUrl, urlIn, type GrammarUrl } from './grammar-urls.js';
export { matchingVariant } from './variant-match.js';
export { parseServerTiming } from './server-timing.js';
