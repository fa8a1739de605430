import type { Result } from '../errors.js';
import type { ImageRequest } from '../pipeline/types.js';
import { parseCloudflarePath } from './cloudflare.js';

/** The Cloudflare grammar's fixed prefix. */
export const CLOUDFLARE_PREFIX = '/cdn-cgi/image/';

/**
 * Parses a request target into an image request. `undefined` means "no grammar claims this
 * URL", which the origin serves as the untransformed source.
 */
export function parseImageUrl(pathname: string, _search: string): Result<ImageRequest> | undefined {
  if (pathname.startsWith(CLOUDFLARE_PREFIX)) return parseCloudflarePath(pathname.slice(CLOUDFLARE_PREFIX.length));
  return undefined;
}
