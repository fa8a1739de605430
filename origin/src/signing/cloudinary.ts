import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { errors, fail, ok, type Result } from '../errors.js';
import { parseCloudinary } from '../grammar/cloudinary.js';
import type { ImageRequest } from '../pipeline/types.js';
import { sameDigest } from './digest.js';
import type { FoundSignature } from './scheme.js';

/**
 * Cloudinary's signed delivery URLs: a `s--SIGNATURE--` segment right after the delivery type
 * (`/<cloud>/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg`). SIGNATURE is the
 * first 8 characters of base64url(SHA-1(<rest of the path> + api_secret)), or of SHA-256 when
 * the account signs with it, or 32 characters of SHA-256 for long signatures. Cloudinary's SDKs
 * sign the rest of the path without the version segment, older ones with it: both verify. There
 * is no expiry.
 *
 * The signature covers only what follows it. What precedes it must therefore be a prefix the
 * Cloudinary grammar reads (`/<cloud>/image/<delivery type>/`), and the handler reads the URL
 * with that grammar alone, which ignores the cloud name and the query: nothing unsigned can
 * change the output.
 */

const SIGNED_PATH = /^(\/(?:[^/]+\/)?image\/[^/]+\/)s--([A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--\/(.+)$/;

/** The signature segment's value for a signed rest-of-path, e.g. `c_crop,h_20,w_10/image.jpg`. */
export function cloudinarySignature(secret: string, signed: string, algorithm: 'sha1' | 'sha256' = 'sha1', length: 8 | 32 = 8): string {
  return createHash(algorithm)
    .update(signed + secret)
    .digest('base64url')
    .slice(0, length);
}

export function findCloudinarySignature(pathname: string, search: string): Result<FoundSignature> | undefined {
  if (!/\/s--[^/]*--\//.test(pathname)) return undefined;
  const match = SIGNED_PATH.exec(pathname);
  if (!match) return fail(errors.invalidSignature('a Cloudinary signature is the segment s--<8 or 32 characters>-- after image/<type>/'));
  const [, prefix = '', signature = '', rest = ''] = match;
  // The signature covers only what follows it: what precedes it must be a prefix the Cloudinary grammar reads.
  const reading = parseCloudinary(prefix + rest, '');
  if (reading === undefined) {
    const where = '/<cloud>/image/<delivery type>/ with a delivery type the Cloudinary grammar reads';
    return fail(errors.invalidSignature(`a Cloudinary signature is valid only under ${where}, not under "${prefix}"`));
  }
  const presented = Buffer.from(signature, 'ascii');
  const unversioned = withoutVersionSegment(prefix, rest, reading);
  const candidates = unversioned === undefined ? [rest] : [rest, unversioned];
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

/**
 * The rest of the path as newer SDKs sign it: without the version segment. Leaving a `v<digits>/`
 * out is accepted only where the grammar skips it (between the steps and the public ID), which the
 * grammar itself decides: both paths must read as the same request. Anywhere else the segment
 * would become part of the public ID (`albums/v2/a.jpg`) or turn the steps into folders, and the
 * signature would authorise a source it was not made for.
 */
function withoutVersionSegment(prefix: string, rest: string, reading: Result<ImageRequest>): string | undefined {
  const candidate = rest.replace(/(^|\/)v\d+\/(?=.)/, '$1');
  if (candidate === rest) return undefined;
  return sameReading(reading, parseCloudinary(prefix + candidate, '')) ? candidate : undefined;
}

function sameReading(a: Result<ImageRequest>, b: Result<ImageRequest> | undefined): boolean {
  if (b === undefined) return false;
  if (a.ok || b.ok) return a.ok && b.ok && isDeepStrictEqual(a.value, b.value);
  return a.error.tag === b.error.tag && a.error.message === b.error.message;
}
