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
 *
 * The URL and ik-t are concatenated without a separator, so ik-t must be exactly the 10 digits
 * ImageKit writes: were it any length, trailing digits of the URL (`?tr=w-125`) could move into it
 * (`?tr=w-12&ik-t=5<expiry>`) under the same signature, changing the output and the expiry.
 */

const PARAMETERS: SignatureParameters = {
  signature: 'ik-s',
  expires: 'ik-t',
  expiry: { pattern: /^\d{10}$/, form: 'a 10-digit Unix timestamp' },
  decode: (text) => fromHex(text, 20),
  form: 'a hex HMAC-SHA1',
};
const SIGNATURE_PARTS: ReadonlySet<string> = new Set([PARAMETERS.signature, PARAMETERS.expires]);
const NO_EXPIRY = '9999999999';

const hmacHex = (privateKey: string, message: string) => createHmac('sha1', privateKey).update(message).digest('hex');

/** The `ik-s` value for the part of a URL after the endpoint (`tr:w-300/a.jpg?x=1`); `expiresAt` has 10 digits. */
export function imagekitSignature(privateKey: string, afterEndpoint: string, expiresAt?: number): string {
  return hmacHex(privateKey, afterEndpoint + (expiresAt === undefined ? NO_EXPIRY : String(expiresAt)));
}

export function findImageKitSignature(pathname: string, search: string, endpoint = '/'): Result<FoundSignature> | undefined {
  const read = readSignatureParameters(search, PARAMETERS);
  if (read === undefined || !read.ok) return read;
  const { presented, expires } = read.value;
  if (!pathname.startsWith(endpoint)) return fail(errors.invalidSignature(`ImageKit URLs here start with "${endpoint}"`));

  const stripped = withoutParameters(search, SIGNATURE_PARTS);
  // ik-t's digits as sent, not a number re-formatted: the signed string is the URL's text.
  const message = pathname.slice(endpoint.length) + stripped + (expires?.text ?? NO_EXPIRY);
  return ok({
    scheme: 'imagekit',
    pathname,
    search: stripped,
    ...(expires !== undefined && { expiresAt: expires.at }),
    matches: (key) => sameDigest(Buffer.from(hmacHex(key, message), 'hex'), presented),
  });
}
