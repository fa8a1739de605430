import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { errorResponse, internalError } from './error-response.js';
import type { ImageOrigin } from './image-origin.js';
import { discardBody } from './response-body.js';
import type { OriginRequest, OriginResponse } from './types.js';

/** Express/Connect's continuation: called for requests that are not the origin's own. */
export type NextFunction = (error?: unknown) => void;

/** A node:http request listener that is also Express/Connect middleware. */
export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void;

/**
 * The node:http door. With `next` (a middleware chain) requests that are not the origin's own go
 * on down the chain untouched; without it (a plain server) the origin answers them itself. Under
 * a mount (`app.use('/img', handler)`) the chain has already cut the mount path from `req.url`.
 */
export function createNodeDoor(origin: ImageOrigin): NodeRequestHandler {
  return (req, res, next) => {
    // The last resort: whatever a request does, it ends in an answer (or a closed socket), never in the process's end.
    serve(origin, req, res, next).catch((error: unknown) => {
      origin.reportBug(error, req.url ?? '');
      answerInternalError(origin, req, res);
    });
  };
}

async function serve(origin: ImageOrigin, req: IncomingMessage, res: ServerResponse, next: NextFunction | undefined): Promise<void> {
  const started = performance.now();
  const request = originRequestOf(req);
  const answer = await origin.answer(request);
  const answered = answer.response;
  if (next && !answer.isOwn()) {
    discardBody(answered);
    next();
    return;
  }
  const response = rebaseLocation(answered, mountPathOf(req));
  const logSent = origin.account(request, response, started);
  try {
    res.writeHead(response.status, response.headers);
  } catch (error) {
    discardBody(response);
    throw error;
  }
  res.once('close', logSent);
  if (!response.body || request.method === 'HEAD') {
    discardBody(response);
    res.end();
  } else if (Buffer.isBuffer(response.body)) res.end(response.body);
  else sendStream(response.body, res);
}

function originRequestOf(req: IncomingMessage): OriginRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    header: (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * Where a middleware chain mounted the handler (`/img` for `app.use('/img', handler)`): Express
 * and Connect keep the full target in `originalUrl` and cut the mount path from `url`.
 */
function mountPathOf(req: IncomingMessage): string {
  const original = (req as { originalUrl?: unknown }).originalUrl;
  const url = req.url ?? '';
  if (typeof original !== 'string' || original === url || !original.endsWith(url)) return '';
  return original.slice(0, original.length - url.length).replace(/\/$/, '');
}

/** A redirect to a source path (`onerror=redirect`) must point below the mount, as the client sees it. */
function rebaseLocation(response: OriginResponse, mountPath: string): OriginResponse {
  const location = response.headers['location'];
  if (!mountPath || location === undefined || !location.startsWith('/') || location.startsWith('//')) return response;
  return { ...response, headers: { ...response.headers, location: `${mountPath}${location}` } };
}

/** A tagged 500 when nothing was sent yet; otherwise the half-sent response can only be cut off. */
function answerInternalError(origin: ImageOrigin, req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A writeHead that threw may have set some of the failed response's headers already.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const { status, headers, body } = errorResponse(internalError(), origin.config.cacheControl, req.method === 'HEAD');
  res.writeHead(status, headers).end(body);
}

function sendStream(body: Readable, res: ServerResponse): void {
  // A client gone while the answer was prepared: its 'close' has passed, so release the body now.
  if (res.destroyed) {
    body.destroy();
    return;
  }
  body.once('error', () => res.destroy());
  res.once('close', () => body.destroy());
  body.pipe(res);
}
