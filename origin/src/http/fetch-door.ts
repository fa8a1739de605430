import { Readable } from 'node:stream';
import { errorResponse, internalError } from './error-response.js';
import type { ImageOrigin } from './image-origin.js';
import { discardBody } from './response-body.js';
import type { OriginRequest, OriginResponse } from './types.js';

/** Request in, Response out: Hono, Next.js route handlers, Bun and Deno style servers. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * The fetch door as an adapter that receives the raw request target uses it: `target` is the path
 * and query exactly as received. A Request's URL has been through WHATWG URL parsing, which
 * resolves dot segments (`/a/../b`, `/a/%2e%2e/b`) and turns backslashes into slashes, where the
 * origin judges the target as sent (400 `source_forbidden` for a dot segment). A `target` that is
 * not a string (a framework's own second argument) is ignored.
 */
export type TargetedFetchHandler = (request: Request, target?: string) => Promise<Response>;

type ResponseBody = ConstructorParameters<typeof Response>[0];

/** Statuses whose Response must not have a body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * The fetch door: the same origin, answering every request as a standalone origin does (there is
 * no next handler to pass one on to; the framework's routing decides what reaches it). The
 * request target is the URL's path and query, so a framework that mounts the handler under a
 * path must hand it the URL with that path removed (Hono's `app.mount` does).
 */
export function createFetchDoor(origin: ImageOrigin): TargetedFetchHandler {
  return async (request, target) => {
    const started = performance.now();
    const originRequest = originRequestOf(request, typeof target === 'string' ? target : undefined);
    const { response } = await origin.answer(originRequest);
    const logSent = origin.account(originRequest, response, started);
    try {
      const answer = toWebResponse(response, originRequest.method);
      // A streamed body is sent once the reader has drained (or cancelled) it.
      if (answer.body && response.body instanceof Readable) response.body.once('close', logSent);
      else logSent();
      return answer;
    } catch (error) {
      // The same last resort as node:http's: an answer that cannot be built (a header value a source made invalid) is a tagged 500.
      discardBody(response);
      origin.reportBug(error, originRequest.url);
      return toWebResponse(errorResponse(internalError(), origin.config.cacheControl, originRequest.method === 'HEAD'), originRequest.method);
    }
  };
}

function originRequestOf(request: Request, target: string | undefined): OriginRequest {
  const { pathname, search } = new URL(request.url);
  return {
    method: request.method,
    url: target ?? `${pathname}${search}`,
    // Headers.get joins repeated headers with ", ", as the core expects.
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

function toWebResponse(response: OriginResponse, method: string): Response {
  const headers = new Headers(response.headers);
  const bodyless = method === 'HEAD' || response.body === undefined || NULL_BODY_STATUSES.has(response.status);
  if (bodyless) {
    discardBody(response);
    return new Response(null, { status: response.status, headers });
  }
  // Node's web streams and the fetch globals' are the same class under two type declarations.
  const body = Buffer.isBuffer(response.body) ? response.body : (Readable.toWeb(response.body) as unknown as ResponseBody);
  return new Response(body, { status: response.status, headers });
}
