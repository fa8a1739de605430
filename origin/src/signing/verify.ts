import { errors, fail, ok, type Result } from '../errors.js';
import { findCloudinarySignature } from './cloudinary.js';
import { findImageKitSignature } from './imagekit.js';
import { findImgixSignature } from './imgix.js';
import { findNativeSignature } from './native.js';
import type { FoundSignature, SigningScheme } from './scheme.js';

/**
 * Signature policy for one request. Runs first in the request path, on the request target
 * exactly as received; what it returns (the URL without its signature) is what the grammars
 * parse.
 *
 * - `required`: every request carries a valid signature, unless `exempt` lets an unsigned one
 *   through (the origin exempts variant requests when configured to).
 * - `optional`: unsigned requests pass; a signature that is present must be valid.
 *
 * A signature is valid when any key produced it; it is then refused (signature_expired) from its
 * expiry second on. The schemes of the enabled grammars are recognised: this origin's own
 * (`sig`/`expires`), imgix `s`, Cloudinary `s--…--`, ImageKit `ik-s`/`ik-t`. The verified URL
 * names its scheme, because a hosted service's signature authorises only that service's
 * grammar (authorised-grammar.ts).
 */

export type SigningMode = 'required' | 'optional';

export interface UnsignedUrl {
  readonly pathname: string;
  /** With the leading `?`, or '' when empty. */
  readonly search: string;
}

export interface VerifiedUrl extends UnsignedUrl {
  /** Whether a valid signature was present (false: unsigned, allowed by mode or exemption). */
  readonly signed: boolean;
  /** The scheme of the valid signature: it decides which grammar may read the URL. */
  readonly scheme?: SigningScheme;
  readonly expiresAt?: number;
}

export interface VerifyOptions {
  /** All keys verify (for rotation). Foreign schemes use the service's secret as a key. */
  readonly keys: readonly string[];
  readonly mode: SigningMode;
  /** Current time in Unix seconds. */
  readonly now: number;
  /** Schemes recognised; default: only this origin's own. */
  readonly schemes?: readonly SigningScheme[];
  /** Path prefix ImageKit signatures leave out (the ImageKit grammar's endpoint). @default '/' */
  readonly imagekitEndpoint?: string;
  /** Consulted only for an unsigned request in `required` mode; true lets it through. */
  readonly exempt?: (unsigned: UnsignedUrl) => boolean;
}

export function verifyRequest(pathname: string, search: string, options: VerifyOptions): Result<VerifiedUrl> {
  const found: FoundSignature[] = [];
  for (const scheme of options.schemes ?? ['native']) {
    const result = findSignature(scheme, pathname, search, options);
    if (result === undefined) continue;
    if (!result.ok) return result;
    found.push(result.value);
  }
  const signature = found[0];
  if (found.length > 1) return fail(errors.invalidSignature(`the URL carries more than one signature (${found.map((f) => f.scheme).join(', ')})`));
  if (!signature) {
    const unsigned = { pathname, search };
    if (options.mode === 'optional' || options.exempt?.(unsigned)) return ok({ ...unsigned, signed: false });
    return fail(errors.invalidSignature('this origin requires signed URLs and the URL has no signature'));
  }
  // Every key is tried, so the time taken does not reveal which one matched.
  const matched = options.keys.map((key) => signature.matches(key)).includes(true);
  if (!matched) return fail(errors.invalidSignature(`the ${signature.scheme} signature does not match the URL`));
  if (signature.expiresAt !== undefined && options.now >= signature.expiresAt) return fail(errors.signatureExpired(signature.expiresAt));
  return ok({
    pathname: signature.pathname,
    search: signature.search,
    signed: true,
    scheme: signature.scheme,
    ...(signature.expiresAt !== undefined && { expiresAt: signature.expiresAt }),
  });
}

function findSignature(scheme: SigningScheme, pathname: string, search: string, options: VerifyOptions) {
  switch (scheme) {
    case 'native':
      return findNativeSignature(pathname, search);
    case 'imgix':
      return findImgixSignature(pathname, search);
    case 'cloudinary':
      return findCloudinarySignature(pathname, search);
    case 'imagekit':
      return findImageKitSignature(pathname, search, options.imagekitEndpoint);
  }
}
