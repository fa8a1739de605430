/**
 * `image-cdn/origin`: the image origin inside an app you already run. One handler, three doors:
 *
 * ```ts
 * import http from 'node:http';
 * import express from 'express';
 * import { createImageHandler } from 'image-cdn/origin';
 *
 * const images = createImageHandler({ root: './images', limits: { maxPixels: 40_000_000 } });
 * await images.ready; // an S3 mount without @aws-sdk/client-s3 installed fails here
 * http.createServer(images).listen(3000);                 // 1. node:http: answers everything
 * express().use('/img', images).listen(3001);             // 2. middleware: next() for what is not its own
 * export const GET = (request: Request) => images.fetch(request); // 3. fetch (Hono, Next.js, Bun, Deno)
 * process.once('SIGTERM', () => images.close());
 * ```
 *
 * Options are named as in the config file (docs/sources.md), plus `root`/`s3Bucket` shortcuts.
 * Its own requests (createImageOrigin in http/image-origin.ts): `/healthz`, `/metrics`, every
 * URL an enabled grammar reads (`/cdn-cgi/image/…`), and originals a mount actually has. Under
 * a mount the path below it is what counts, signatures included (sign `/cdn-cgi/image/…`, not
 * `/img/cdn-cgi/image/…`). Metrics live in `handler.metrics`, a registry of the handler's own.
 */
export { createImageHandler, type ImageHandler } from './image-handler.js';
export { ImageHandlerOptionsError, type ImageHandlerOptions } from './handler-options.js';
export type { FetchHandler } from './http/fetch-door.js';
export type { NextFunction, NodeRequestHandler } from './http/node-door.js';
export type { OriginLogger } from './http/image-origin.js';
export type { EmfFlusher } from './observability/emf.js';
export { ERROR_TAG_HEADER } from './http/error-response.js';
export { ImageCdnError, isImageCdnError, type ErrorTag } from './errors.js';
export {
  DEFAULT_CACHE_CONTROL,
  GRAMMAR_NAMES,
  type CacheControlConfig,
  type EmfConfig,
  type GrammarName,
  type HttpSourceConfig,
  type Limits,
  type MountConfig,
  type SigningConfig,
  type SourceConfig,
  type SvgConfig,
} from './config.js';
