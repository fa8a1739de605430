import { errors } from '../errors.js';
import { MAX_URL_LENGTH } from '../limits.js';
import type { OriginRequest } from './types.js';

/** A request target split at its query, still percent-encoded, exactly as sent. */
export interface RequestTarget {
  readonly pathname: string;
  /** With the leading `?`, or '' when there is none. */
  readonly search: string;
}

/** `/path?query` → its path and its query. */
export function splitTarget(url: string): RequestTarget {
  const queryStart = url.indexOf('?');
  return queryStart < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, queryStart), search: url.slice(queryStart) };
}

/**
 * The first step: which requests the handler reads at all. Every URL is parsed, and its plan
 * kept, before anything else, so the length bound comes first: it bounds what one request can
 * make the origin hold.
 */
export function routeRequest({ request }: { readonly request: OriginRequest }): RequestTarget {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw errors.methodNotAllowed(request.method);
  if (request.url.length > MAX_URL_LENGTH) throw errors.uriTooLong(request.url.length, MAX_URL_LENGTH);
  const target = splitTarget(request.url);
  if (!target.pathname.startsWith('/')) throw errors.malformedUrl('request target must start with "/"');
  return target;
}

/** The source path an original's URL names: without its leading `/`, percent-decoded. */
export function sourcePathOf(pathname: string): string {
  try {
    return decodeURIComponent(pathname.slice(1));
  } catch {
    throw errors.malformedUrl(`invalid percent-encoding in "${pathname.slice(0, 200)}"`);
  }
}
