import type { CacheControlConfig } from '../config-types.js';
import { ImageCdnError } from '../errors.js';
import { errorCacheControl } from './cache-control.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { OriginResponse } from './types.js';

/** The response header that carries an error's machine-readable tag (errors.ts). */
export const ERROR_TAG_HEADER = 'x-image-cdn-error';

/** An error value as a response: tag header, one-line text body, short caching. Never a stack trace. */
export function errorResponse(error: ImageCdnError, cacheControl: CacheControlConfig, head = false): OriginResponse {
  const body = Buffer.from(`${error.message}\n`);
  return {
    status: error.status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': errorCacheControl(cacheControl, error.status),
      [ERROR_TAG_HEADER]: error.tag,
      ...SECURITY_HEADERS,
      ...error.headers,
    },
    ...(!head && { body }),
    outcome: 'error',
    error,
  };
}

/** A thrown non-ImageCdnError is a bug: answer 500 with a fixed message and let the caller log it. */
export function internalError(): ImageCdnError {
  return new ImageCdnError('internal_error', 500, 'internal error');
}
