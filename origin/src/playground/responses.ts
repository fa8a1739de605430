import type { OriginResponse } from '../http/types.js';

/**
 * The page loads its own scripts, styles, JSON and images and nothing else: no other origin, no
 * inline script or style, no frames, no form posts. Transformed images are shown from blob: URLs
 * of responses the page fetched itself, so that it can read their bytes and headers.
 */
export const PLAYGROUND_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PLAYGROUND_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A page file: revalidated on every load, so an edit (or a new build) shows at once. */
export function fileResponse(body: Buffer, contentType: string, head: boolean): OriginResponse {
  return respond(body, contentType, 'no-cache', head);
}

/** An answer of the page's JSON calls: about this moment's sources and settings, never cached. */
export function jsonResponse(value: unknown, head: boolean): OriginResponse {
  return respond(Buffer.from(JSON.stringify(value)), 'application/json; charset=utf-8', 'no-store', head);
}

function respond(body: Buffer, contentType: string, cacheControl: string, head: boolean): OriginResponse {
  return {
    status: 200,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'cache-control': cacheControl, ...PAGE_HEADERS },
    ...(!head && { body }),
    outcome: 'operational',
  };
}
