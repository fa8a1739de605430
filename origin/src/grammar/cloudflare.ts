import { errors, fail, ok, type Result } from '../errors.js';
import type { ImageOptions, ImageRequest } from './image-options.js';
import { parseCloudflareSource } from './cloudflare-source.js';
import { TRIM_KEYS, TrimBuilder, formatTrim, isTrimKey } from './cloudflare-trim.js';
import { VALUE_CODECS, shown } from './cloudflare-values.js';
import type { NumberSpelling } from './spelling.js';

/**
 * Cloudflare's `/cdn-cgi/image/<options>/<source>` grammar (docs/url-grammar.md, "Cloudflare").
 *
 * Options are `name=value` separated by commas; names are case-sensitive and may be written
 * in full or by Cloudflare's alias. Values are percent-decoded after splitting, so a value may
 * carry an encoded comma or `#` (`background=%23ff0000`); a comma inside parentheses does not
 * split either, so `background=rgb(1,2,3)` also works.
 */

/** Alias → canonical option name, exactly the aliases Cloudflare documents. */
export const CLOUDFLARE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  f: 'format',
  g: 'gravity',
  h: 'height',
  q: 'quality',
  scq: 'slow-connection-quality',
  w: 'width',
});

/**
 * Options whose values hold numbers (spelling.ts), for the CloudFront function to write each in
 * its shortest spelling: `width=0600` is `width=600`, `gravity=.5x1.0` is `gravity=0.5x1`. Colours
 * and borders are not listed: their hex digits are not numbers.
 */
export const CLOUDFLARE_NUMBER_OPTIONS: Readonly<Record<string, NumberSpelling>> = {
  width: 'i',
  height: 'i',
  quality: 'i',
  'slow-connection-quality': 'i',
  trim: 'i',
  'trim.left': 'i',
  'trim.top': 'i',
  'trim.width': 'i',
  'trim.height': 'i',
  'trim.border.keep': 'i',
  dpr: 'd',
  blur: 'd',
  sharpen: 'd',
  brightness: 'd',
  contrast: 'd',
  gamma: 'd',
  saturation: 'd',
  gravity: 'd',
  'trim.border.tolerance': 'd',
};

/** Every canonical option name, sorted; the aliases are in CLOUDFLARE_ALIASES. */
export const CLOUDFLARE_OPTION_NAMES: readonly string[] = Object.freeze([...VALUE_CODECS.keys(), ...TRIM_KEYS].sort());

// Own-property lookups only: a name such as "constructor" must not find Object.prototype.
const ALIASES: ReadonlyMap<string, string> = new Map(Object.entries(CLOUDFLARE_ALIASES));
const KNOWN: ReadonlySet<string> = new Set(CLOUDFLARE_OPTION_NAMES);

const ACCEPTED = `${CLOUDFLARE_OPTION_NAMES.join(', ')} ` + `(aliases: ${[...ALIASES].map(([alias, name]) => `${alias}=${name}`).join(', ')})`;

export function parseCloudflareOptions(optionString: string): Result<ImageOptions> {
  if (optionString === '') {
    return fail(errors.malformedUrl('no options before the source: give at least one, e.g. /cdn-cgi/image/width=600/<source>'));
  }
  const options: Record<string, unknown> = {};
  const trim = new TrimBuilder();
  const seen = new Map<string, string>();

  for (const token of splitOptions(optionString)) {
    if (token === '') {
      return fail(errors.malformedUrl(`empty option in "${shown(optionString)}" (two commas in a row, or a comma at an end)`));
    }
    const equals = token.indexOf('=');
    if (equals === -1) {
      return fail(errors.malformedUrl(`"${shown(token)}" is not an option: options are written name=value, e.g. width=600`));
    }
    if (equals === 0) return fail(errors.malformedUrl(`option "${shown(token)}" has no name before "="`));

    // Names are percent-decoded like values (`%77idth` is `width`), as the CloudFront function writes them.
    const written = percentDecode(token.slice(0, equals));
    if (written === undefined) {
      return fail(errors.malformedUrl(`option name "${shown(token.slice(0, equals))}" has invalid percent-encoding (a % must start %XX of UTF-8)`));
    }
    const name = ALIASES.get(written) ?? written;
    if (!KNOWN.has(name)) return fail(errors.unknownOption(shown(written), ACCEPTED));
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      const spellings = earlier === written ? `"${written}"` : `"${earlier}" and "${written}"`;
      return fail(errors.malformedUrl(`option "${name}" is given more than once (as ${spellings}); give it once`));
    }
    seen.set(name, written);

    const rawValue = token.slice(equals + 1);
    const value = percentDecode(rawValue);
    if (value === undefined) {
      return fail(errors.malformedUrl(`option "${shown(written)}" has invalid percent-encoding in "${shown(rawValue)}" (a % must start %XX of UTF-8)`));
    }

    if (isTrimKey(name)) {
      const error = trim.add(name, written, value);
      if (error) return fail(error);
      continue;
    }
    const codec = VALUE_CODECS.get(name);
    const parsed = codec?.parse(value);
    if (!codec || parsed === undefined) {
      return fail(errors.invalidOption(shown(written), shown(value), codec?.accepts ?? 'a value'));
    }
    options[codec.field] = parsed;
  }

  const trimmed = trim.build();
  if (trimmed) options.trim = trimmed;
  return ok(options as ImageOptions);
}

export function parseCloudflarePath(rest: string): Result<ImageRequest> {
  const slash = rest.indexOf('/');
  if (slash === -1) {
    return fail(errors.malformedUrl('no source image after the options: expected /cdn-cgi/image/<options>/<source path>'));
  }
  const options = parseCloudflareOptions(rest.slice(0, slash));
  if (!options.ok) return options;
  const source = parseCloudflareSource(rest.slice(slash + 1));
  if (!source.ok) return source;
  return ok({ grammar: 'cloudflare', source: source.value, options: options.value });
}

/**
 * Canonical option string: long names sorted by name, canonical values, percent-encoded where a
 * URL path needs it (so `#` is written `%23`). Colours are written at 8-bit precision, which is
 * the precision the parser produces. parseCloudflareOptions(format(x)) deep-equals x.
 */
export function formatCloudflareOptions(options: ImageOptions): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, codec] of VALUE_CODECS) {
    const value = options[codec.field];
    if (value !== undefined) pairs.push([name, codec.format(value)]);
  }
  if (options.trim) pairs.push(...formatTrim(options.trim));
  return pairs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${encodeValue(value)}`)
    .join(',');
}

/** Splits on commas outside parentheses, so `rgb(1,2,3)` stays one value. */
function splitOptions(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      tokens.push(text.slice(start, i));
      start = i + 1;
    }
  }
  tokens.push(text.slice(start));
  return tokens;
}

function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Percent-encodes a canonical value for a URL path, keeping the `:` and `;` of border and trim readable. */
function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%3B/g, ';');
}
