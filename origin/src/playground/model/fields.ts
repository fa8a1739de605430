import { CLOUDFLARE_OPTION_NAMES, parseCloudflareOptions } from '../../grammar/cloudflare.js';

/**
 * The form's controls: one per option of the Cloudflare grammar, named as the option. What each
 * accepts and the values it suggests come from the origin's own codecs, so the page can never
 * offer what the origin refuses.
 */
export interface Field {
  /** The option's canonical name, which is also the control's name. */
  readonly name: string;
  /** What the option accepts, in the origin's words (the end of its invalid_option message). */
  readonly accepts: string;
  /** Words from `accepts` that the origin reads as values, offered as suggestions. */
  readonly suggestions: readonly string[];
  /** Shown at once; the others wait under "more options". */
  readonly main: boolean;
}

/** The options a first look needs, in the order the issue lists them. */
const MAIN = ['width', 'height', 'fit', 'gravity', 'format', 'quality', 'dpr', 'rotate', 'blur', 'sharpen', 'background', 'trim'];

/** One `name=value` option as a URL carries it: the value percent-encoded, as the origin decodes it. */
export const optionText = (name: string, value: string): string => `${name}=${encodeURIComponent(value)}`;

const accepts = (name: string): string => {
  // An empty value is never valid, so the origin's refusal says what would be.
  const refused = parseCloudflareOptions(optionText(name, ''));
  const message = refused.ok ? '' : refused.error.message;
  return message.slice(message.indexOf('expected ') + 'expected '.length);
};

const suggestionsFor = (name: string, text: string): string[] =>
  [...new Set(text.split(/,\s*|\s+or\s+|^or\s+/).map((word) => word.replace(/^or\s+/, '').trim()))].filter(
    (word) => word !== '' && parseCloudflareOptions(optionText(name, word)).ok,
  );

const rank = (name: string) => (MAIN.includes(name) ? MAIN.indexOf(name) : MAIN.length);

export const FIELDS: readonly Field[] = [...CLOUDFLARE_OPTION_NAMES]
  .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))
  .map((name) => {
    const text = accepts(name);
    // Variant names are the origin's table's, which the page asks for (page-config.ts).
    const suggestions = name === 'variant' ? [] : suggestionsFor(name, text);
    return { name, accepts: text, suggestions, main: MAIN.includes(name) };
  });
