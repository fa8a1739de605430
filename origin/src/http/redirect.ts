import { ImageCdnError } from '../errors.js';
import type { ImageOptions } from '../pipeline/types.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { OriginResponse } from './types.js';

/**
 * `onerror=redirect` sends the client to the source itself, but never where the origin would not
 * go: a source the allow-list or address guard refused (source_forbidden) is no redirect target,
 * and an overload is not the source's fault.
 */
export function redirectsOnError({ options, error }: { readonly options: ImageOptions; readonly error: unknown }): boolean {
  return options.onerror === 'redirect' && error instanceof ImageCdnError && error.tag !== 'overloaded' && error.tag !== 'source_forbidden';
}

/** `source` is a mount path or an absolute URL already in its WHATWG serialisation (grammar/), so it is a valid header value. */
export function redirectToSource({ source, cacheControl }: { readonly source: string; readonly cacheControl: string }): OriginResponse {
  const location = /^https?:\/\//i.test(source) ? source : encodeURI(`/${source}`);
  return { status: 302, headers: { location, 'cache-control': cacheControl, 'content-length': '0', ...SECURITY_HEADERS }, outcome: 'redirect' };
}
