import { createHmac } from 'node:crypto';
import { errors, fail, ok, type Result } from '../errors.js';
import { fromBase64Url } from './digest.js';
import { parameterValues } from './query.js';
import { findTargetSignature, type SignatureParameters } from './query-signature.js';
import { UNIX_SECONDS, type FoundSignature } from './scheme.js';

/**
 * This origin's own signed URLs: `<path>[?<query>&]expires=<unix>&sig=<base64url>`.
 *
 * sig = base64url(HMAC-SHA256(key, <path>?<query without sig>)), over the request target
 * exactly as sent (path and query, no host), so it covers the options, the source and the
 * expiry. `expires` is optional; from that second on the URL is refused (401 signature_expired).
 */

export const SIGNATURE_PARAMETER = 'sig';
export const EXPIRES_PARAMETER = 'expires';
const SIGNATURE_PARTS: ReadonlySet<string> = new Set([SIGNATURE_PARAMETER, EXPIRES_PARAMETER]);
const PARAMETERS: SignatureParameters = {
  signature: SIGNATURE_PARAMETER,
  expires: EXPIRES_PARAMETER,
  expiry: UNIX_SECONDS,
  decode: (text) => fromBase64Url(text, 32),
  form: 'a base64url HMAC-SHA256',
};

export interface SignOptions {
  readonly key: string;
  /** Unix seconds from which the signed URL is refused. */
  readonly expiresAt?: number;
}

const hmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest();

/** Signs a request path (with or without a query): returns it with `expires` and `sig` appended. */
export function signPath(path: string, options: SignOptions): Result<string> {
  if (!path.startsWith('/')) return fail(errors.malformedUrl(`a path to sign starts with "/", not "${path.slice(0, 64)}"`));
  if (path.includes('#')) return fail(errors.malformedUrl('a path to sign has no fragment (#)'));
  if (options.key === '') return fail(errors.invalidSignature('the signing key is empty'));
  const queryAt = path.indexOf('?');
  const search = queryAt < 0 ? '' : path.slice(queryAt);
  for (const name of SIGNATURE_PARTS) {
    if (parameterValues(search, name).length > 0) return fail(errors.malformedUrl(`the path already has a "${name}" parameter`));
  }
  let target = path;
  if (options.expiresAt !== undefined) {
    if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt < 0) {
      return fail(errors.invalidOption('expires', String(options.expiresAt), 'a whole number of Unix seconds'));
    }
    target = append(target, `${EXPIRES_PARAMETER}=${options.expiresAt}`);
  }
  const signature = hmac(options.key, target).toString('base64url');
  return ok(append(target, `${SIGNATURE_PARAMETER}=${signature}`));
}

const append = (target: string, parameter: string) =>
  `${target}${target.includes('?') ? (target.endsWith('?') || target.endsWith('&') ? '' : '&') : '?'}${parameter}`;

export function findNativeSignature(pathname: string, search: string): Result<FoundSignature> | undefined {
  return findTargetSignature('native', PARAMETERS, hmac, pathname, search);
}
