import type { OriginRequest } from './types.js';

/**
 * RFC 9110 §13.2.2 precedence for safe methods: If-None-Match (weak comparison, lists, `*`)
 * decides when present; If-Modified-Since is consulted only without it.
 */
export function isNotModified(header: (name: string) => string | undefined, etag: string, lastModified: Date | undefined): boolean {
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== undefined) return matchesAny(ifNoneMatch, etag);
  const ifModifiedSince = header('if-modified-since');
  if (ifModifiedSince !== undefined && lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have one-second resolution; compare at that resolution.
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

function matchesAny(list: string, etag: string): boolean {
  if (list.trim() === '*') return true;
  const opaque = stripWeak(etag);
  return (list.match(/(?:W\/)?"[^"]*"/g) ?? []).some((candidate) => stripWeak(candidate) === opaque);
}

const stripWeak = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** The conditional step of a request: whether the representation the client holds is still this one. */
export function requestIsNotModified({
  request,
  etag,
  lastModified,
}: {
  readonly request: Pick<OriginRequest, 'header'>;
  readonly etag: string;
  readonly lastModified: Date | undefined;
}): boolean {
  return isNotModified((name) => request.header(name), etag, lastModified);
}
