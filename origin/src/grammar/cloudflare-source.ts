import { errors, fail, ok, type Result } from '../errors.js';
import { shown } from './cloudflare-values.js';

/**
 * The `<source>` part of `/cdn-cgi/image/<options>/<source>`: a path under the origin's mounts,
 * or an absolute http(s) URL. Cloudflare concatenates the source unencoded, so both
 * `https://host/a.jpg` and a fully encoded `https%3A%2F%2Fhost%2Fa.jpg` are accepted.
 */

const ABSOLUTE = /^(https?):\/+/i;

/** Percent-decoded source path without leading slashes, or a normalised absolute URL. */
export function parseCloudflareSource(raw: string): Result<string> {
  const decoded = percentDecode(raw);
  if (decoded === undefined) {
    return fail(errors.malformedUrl(`source "${shown(raw)}" has invalid percent-encoding (a % must start %XX of UTF-8)`));
  }
  if (decoded.includes('\0')) return fail(errors.malformedUrl('source path contains a NUL byte (%00)'));
  // An absolute URL written plainly keeps its own escapes: decoding them would change the URL.
  if (ABSOLUTE.test(raw)) return absoluteUrl(raw);
  if (ABSOLUTE.test(decoded)) return absoluteUrl(decoded);
  const path = decoded.replace(/^\/+/, '');
  if (path === '') {
    return fail(errors.malformedUrl('no source image after the options: expected /cdn-cgi/image/<options>/<source path>'));
  }
  return ok(path);
}

function percentDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The one spelling of an absolute source, for every grammar: `https:/host/x` (a proxy merged the
 * slashes) becomes `https://host/x`, and the WHATWG serialisation percent-encodes what a header
 * value cannot carry, so the URL is safe to fetch, log and send back in a `Location`.
 */
export function absoluteUrl(text: string): Result<string> {
  const normalised = text.replace(ABSOLUTE, (_match, scheme: string) => `${scheme.toLowerCase()}://`);
  let url: URL;
  try {
    url = new URL(normalised);
  } catch {
    return fail(errors.malformedUrl(`source "${shown(text)}" is not a valid absolute http(s) URL`));
  }
  if (url.hostname === '') return fail(errors.malformedUrl(`source "${shown(text)}" has no host`));
  if (url.username || url.password) return fail(errors.malformedUrl(`source "${shown(text)}" carries credentials`));
  return ok(url.href);
}
