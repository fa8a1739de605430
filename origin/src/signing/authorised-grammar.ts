import type { GrammarName } from '../grammar/names.js';
import { errors, fail, type Result } from '../errors.js';
import type { ImageRequest } from '../pipeline/types.js';
import type { SigningScheme } from './scheme.js';

/**
 * A signature authorises a URL as the grammar it was made for reads it, and no other reading.
 *
 * - A hosted service's signature covers what that service reads, not more: Cloudinary's leaves
 *   out everything before `s--…--/`, and its grammar ignores the query; imgix's and ImageKit's
 *   cover the path and query, but their signer meant the service's reading of them. So a URL
 *   signed with one of these schemes is read by that service's grammar alone; a signed
 *   `/cdn-cgi/image/<options>/…` is not a Cloudflare URL because imgix or Cloudinary signed it.
 * - This origin's own signature covers the whole request target as sent, whatever grammar it
 *   is written in, so it authorises whatever the enabled grammars read from it.
 */
export function authorisedGrammar(scheme: SigningScheme): GrammarName | undefined {
  return scheme === 'native' ? undefined : scheme;
}

/** Schemes whose signature covers the whole path, so the path may be served as an untransformed original. */
const SIGNS_WHOLE_PATH: ReadonlySet<SigningScheme> = new Set(['native', 'imgix', 'imagekit']);

/** Reads the URL with one grammar, or with every enabled grammar in their usual order (undefined). */
export type ReadUrl = (grammar?: GrammarName) => Result<ImageRequest> | undefined;

/**
 * What a URL signed with `scheme` (undefined: unsigned) asks for, read only as its signature
 * authorises. undefined means the untransformed original: for an imgix or ImageKit URL without
 * transform parameters, as long as no other grammar would read a transform into it.
 */
export function readAsAuthorised(scheme: SigningScheme | undefined, read: ReadUrl): Result<ImageRequest> | undefined {
  const grammar = scheme === undefined ? undefined : authorisedGrammar(scheme);
  if (scheme === undefined || grammar === undefined) return read();
  const own = read(grammar);
  if (own !== undefined) return own;
  const other = read();
  if (other === undefined && SIGNS_WHOLE_PATH.has(scheme)) return undefined;
  const what = other === undefined ? 'not one' : other.ok ? `a ${other.value.grammar} URL` : "another grammar's URL";
  return fail(errors.invalidSignature(`the ${scheme} signature authorises ${grammar} URLs only, and this is ${what}`));
}
