import { createHash } from 'node:crypto';
import { errors, fail, ok, type Result } from '../errors.js';
import { fromHex, sameDigest } from './digest.js';
import { parameterValues, withoutParameters } from './query.js';
import { unixSeconds, type FoundSignature } from './scheme.js';

/**
 * imgix's secure URLs (imgix-blueprint "Securing URLs"): `s` = hex MD5 of
 * token + path + `?query` (the query without `s`, as sent; no `?` when it is empty).
 * An `expires` parameter (Unix seconds) is covered by the signature and refused after it passes.
 */

const SIGNATURE_ONLY: ReadonlySet<string> = new Set(['s']);
const SIGNATURE_PARTS: ReadonlySet<string> = new Set(['s', 'expires']);

/** The `s` value imgix computes for a path and query (`/a.png?w=1`), as lowercase hex. */
export function imgixSignature(token: string, pathAndQuery: string): string {
  return createHash('md5').update(token + pathAndQuery).digest('hex');
}

export function findImgixSignature(pathname: string, search: string): Result<FoundSignature> | undefined {
  const signatures = parameterValues(search, 's');
  if (signatures.length === 0) return undefined;
  if (signatures.length > 1) return fail(errors.invalidSignature('"s" is given more than once'));
  const presented = fromHex(signatures[0] ?? '', 16);
  if (!presented) return fail(errors.invalidSignature('"s" is not a hex MD5 digest'));
  const expiries = parameterValues(search, 'expires');
  if (expiries.length > 1) return fail(errors.invalidSignature('"expires" is given more than once'));
  const expiresAt = unixSeconds(expiries[0]);
  if (expiries.length === 1 && expiresAt === undefined) return fail(errors.invalidSignature('"expires" is not Unix seconds'));

  const signed = pathname + withoutParameters(search, SIGNATURE_ONLY);
  return ok({
    scheme: 'imgix',
    pathname,
    search: withoutParameters(search, SIGNATURE_PARTS),
    ...(expiresAt !== undefined && { expiresAt }),
    matches: (token) => sameDigest(Buffer.from(imgixSignature(token, signed), 'hex'), presented),
  });
}
