import { createHash } from 'node:crypto';
import type { Result } from '../errors.js';
import { fromHex } from './digest.js';
import { findTargetSignature, type SignatureParameters } from './query-signature.js';
import { UNIX_SECONDS, type FoundSignature } from './scheme.js';

/**
 * imgix's secure URLs (imgix-blueprint "Securing URLs"): `s` = hex MD5 of
 * token + path + `?query` (the query without `s`, as sent; no `?` when it is empty).
 * An `expires` parameter (Unix seconds) is covered by the signature and refused after it passes.
 */

const PARAMETERS: SignatureParameters = {
  signature: 's',
  expires: 'expires',
  expiry: UNIX_SECONDS,
  decode: (text) => fromHex(text, 16),
  form: 'a hex MD5 digest',
};

/** The `s` value imgix computes for a path and query (`/a.png?w=1`), as lowercase hex. */
export function imgixSignature(token: string, pathAndQuery: string): string {
  return createHash('md5')
    .update(token + pathAndQuery)
    .digest('hex');
}

export function findImgixSignature(pathname: string, search: string): Result<FoundSignature> | undefined {
  const digest = (token: string, pathAndQuery: string) => Buffer.from(imgixSignature(token, pathAndQuery), 'hex');
  return findTargetSignature('imgix', PARAMETERS, digest, pathname, search);
}
