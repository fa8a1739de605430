import { createHash } from 'node:crypto';
import { errors, fail, ok, type Result } from '../errors.js';
import { sameDigest } from './digest.js';
import type { FoundSignature } from './scheme.js';

/**
 * Cloudinary's signed delivery URLs: a `s--SIGNATURE--` segment right after the delivery type
 * (`/<cloud>/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg`). SIGNATURE is the
 * first 8 characters of base64url(SHA-1(<rest of the path> + api_secret)), or of SHA-256 when
 * the account signs with it, or 32 characters of SHA-256 for long signatures. Cloudinary's SDKs
 * sign the rest of the path without the version segment, older ones with it: both verify. There
 * is no expiry.
 */

const SIGNED_PATH = /^(\/(?:[^/]+\/)?image\/[^/]+\/)s--([A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--\/(.+)$/;

/** The signature segment's value for a signed rest-of-path, e.g. `c_crop,h_20,w_10/image.jpg`. */
export function cloudinarySignature(secret: string, signed: string, algorithm: 'sha1' | 'sha256' = 'sha1', length: 8 | 32 = 8): string {
  return createHash(algorithm).update(signed + secret).digest('base64url').slice(0, length);
}

export function findCloudinarySignature(pathname: string, search: string): Result<FoundSignature> | undefined {
  if (!/\/s--[^/]*--\//.test(pathname)) return undefined;
  const match = SIGNED_PATH.exec(pathname);
  if (!match) return fail(errors.invalidSignature('a Cloudinary signature is the segment s--<8 or 32 characters>-- after image/<type>/'));
  const [, prefix = '', signature = '', rest = ''] = match;
  const presented = Buffer.from(signature, 'ascii');
  const candidates = new Set([rest, rest.replace(/(^|\/)v\d+\/(?=.)/, '$1')]);
  const algorithms: readonly ('sha1' | 'sha256')[] = signature.length === 8 ? ['sha1', 'sha256'] : ['sha256'];
  const length = signature.length === 8 ? 8 : 32;

  return ok({
    scheme: 'cloudinary',
    pathname: prefix + rest,
    search,
    matches: (secret) => {
      let matched = false;
      // Every candidate is computed and compared, so timing does not depend on which one matches.
      for (const signed of candidates) {
        for (const algorithm of algorithms) {
          const expected = Buffer.from(cloudinarySignature(secret, signed, algorithm, length), 'ascii');
          matched = sameDigest(expected, presented) || matched;
        }
      }
      return matched;
    },
  });
}
