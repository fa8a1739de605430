import { createHmac } from 'node:crypto';
import { errors, fail, ok, type Result } from '../errors.js';
import { fromHex, sameDigest } from './digest.js';
import { withoutParameters } from './query.js';
import { readSignatureParameters, type SignatureParameters } from './query-signature.js';
import type { FoundSignature } from './scheme.js';

/**
 * ImageKit's signed URLs: `ik-s` = hex HMAC-SHA1(private key, <URL after the endpoint> + <ik-t>),
 * where the URL keeps its query without `ik-s` and `ik-t`, and ik-t defaults to 9999999999 (no
 * expiry). `ik-t` (Unix seconds) is refused once it has passed. The endpoint is the path prefix
 * ImageKit strips (`/<imagekit_id>/`, or `/` for a custom domain), as for the ImageKit grammar.
 */

const PARAMETERS: SignatureParameters = {
  signature: 'ik-s',
  expires: 'ik-t',
  decode: (text) => fromHex(text, 20),
  form: 'a hex HMAC-SHA1',
};
const SIGNATURE_PARTS: ReadonlySet<string> = new Set([PARAMETERS.signature, PARAMETERS.expires]);
const NO_EXPIRY = '9999999999';

/** The `ik-s` value for the part of a URL after the endpoint (`tr:w-300/a.jpg?x=1`). */
export function imagekitSignature(privateKey: string, afterEndpoint: string, expiresAt?: number): string {
  return createHmac('sha1', privateKey)
    .update(afterEndpoint + (expiresAt === undefined ? NO_EXPIRY : String(expiresAt)))
    .digest('hex');
}

export function findImageKitSignature(pathname: string, search: string, endpoint = '/'): Result<FoundSignature> | undefined {
  const read = readSignatureParameters(search, PARAMETERS);
  if (read === undefined || !read.ok) return read;
  const { presented, expiresAt } = read.value;
  if (!pathname.startsWith(endpoint)) return fail(errors.invalidSignature(`ImageKit URLs here start with "${endpoint}"`));

  const stripped = withoutParameters(search, SIGNATURE_PARTS);
  const afterEndpoint = pathname.slice(endpoint.length) + stripped;
  return ok({
    scheme: 'imagekit',
    pathname,
    search: stripped,
    ...(expiresAt !== undefined && { expiresAt }),
    matches: (key) => sameDigest(Buffer.from(imagekitSignature(key, afterEndpoint, expiresAt), 'hex'), presented),
  });
}
