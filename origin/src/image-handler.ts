import { pino } from 'pino';
import type { Registry } from 'prom-client';
import type { Result } from './errors.js';
import { ImageHandlerOptionsError, resolveHandlerOptions, type ImageHandlerOptions } from './handler-options.js';
import { createFetchDoor, type FetchHandler } from './http/fetch-door.js';
import type { OriginConfig } from './config-types.js';
import { createImageOrigin, type ImageOrigin, type ImageOriginDeps, type OriginLogger } from './http/image-origin.js';
import { createNodeDoor, type NodeRequestHandler } from './http/node-door.js';
import type { EmfFlusher } from './observability/emf.js';
import { stdoutLines } from './observability/stdout.js';
import { EMPTY_VARIANTS, loadVariants, type VariantTable } from './pipeline/variants.js';
import { tuneRuntime } from './runtime.js';
import { checkSigningKeys } from './signing/keys.js';
import { createHttpSource } from './sources/http.js';
import { createSource } from './sources/index.js';
import { createMountTable, type MountTable } from './sources/mounts.js';
import type { Source } from './sources/types.js';

/**
 * The origin as a request handler. Called as a function it is a node:http listener and
 * Express/Connect middleware; `fetch` serves the same origin to fetch-style frameworks.
 *
 * As middleware it answers only its own requests and calls `next()` for the rest: its own are
 * `/healthz`, `/metrics`, every URL an enabled grammar reads (`/cdn-cgi/image/…`, errors
 * included), and any other path where a mount has an original to serve (a 4xx there, such as
 * "no such source", passes the request on). Without `next` it answers everything, as the
 * standalone origin does. Full rule: createImageOrigin (http/image-origin.ts).
 */
export interface ImageHandler extends NodeRequestHandler {
  /** Request in, Response out; answers every request as the standalone origin does. */
  readonly fetch: FetchHandler;
  /**
   * Settles once every source can serve; rejects with why one never will (an S3 mount without
   * `@aws-sdk/client-s3` installed). Await it at start-up: left unhandled, a rejection ends the process.
   */
  readonly ready: Promise<void>;
  /** This handler's Prometheus registry: its own, never prom-client's global one (merge it, or serve it). */
  readonly metrics: Registry;
  /**
   * The CloudWatch embedded-metric-format publisher when the `emf` option turns it on, else
   * undefined. It writes its batched lines to stdout every `emf.intervalMs` on its own, and
   * `close()` writes the rest. `flush()` writes now; `flushIfDue()` writes only when an interval
   * has passed: call it at the end of each invocation where the process may be frozen between
   * requests (Lambda), since a frozen process runs no timers. Both resolve once the lines are
   * handed to the stdout stream (await them before the invocation ends).
   */
  readonly emf: EmfFlusher | undefined;
  /**
   * Refuses new requests (503), waits for the ones being answered (bounded by the request
   * timeout), then drops the decoded-source cache and closes source connections. Call it once
   * your server has stopped taking requests. Idempotent.
   */
  close(): Promise<void>;
  /** @internal The origin behind the doors, for the standalone server. */
  readonly origin: ImageOrigin;
}

/**
 * Builds an origin from options named as in the config file. Throws ImageHandlerOptionsError,
 * naming the option and its value, when one is invalid. Sizes sharp's thread pool for `limits.concurrency` and turns libvips' operation
 * cache off (tuneRuntime): both are process-wide, so they apply to any other sharp use in the process.
 */
export function createImageHandler(options: ImageHandlerOptions): ImageHandler {
  const { config, logger, processMetrics } = resolveHandlerOptions(options);
  const variants = config.variants === undefined ? EMPTY_VARIANTS : orThrow(loadVariants(config.variants));
  if (config.signing) orThrow(checkSigningKeys(config.signing.keys));

  const sources: Source[] = [];
  try {
    const mounted = config.mounts.map((mount) => {
      const source = createSource(mount.source);
      sources.push(source);
      return { prefix: mount.prefix, source, ...(mount.cacheControl && { cacheControl: mount.cacheControl }) };
    });
    const httpSource =
      config.httpSource && config.httpSource.allowHosts.length > 0
        ? createHttpSource(config.httpSource, { maxResolveBytes: config.limits.maxSourceBytes, ...sourceLogger(logger) })
        : undefined;
    if (httpSource) sources.push(httpSource);
    const router = createMountTable(mounted);
    const pages = playgroundPages(config, { router, variants });
    const origin = createImageOrigin(config, {
      router,
      variants,
      ...(pages && { pages }),
      ...(httpSource && { httpSource }),
      sourceKinds: [...new Set(sources.map((source) => source.kind))],
      sources,
      ...(logger !== undefined && { logger }),
      processMetrics,
    });
    tuneRuntime(config.limits);
    return imageHandlerOf(origin);
  } catch (error) {
    // A handler that failed to build must not leave connections or SDK loads behind.
    for (const source of sources) void source.close?.();
    throw error;
  }
}

/** @internal The doors of one origin, as one handler (the standalone server builds one from parts). */
export function imageHandlerOf(origin: ImageOrigin): ImageHandler {
  const node = createNodeDoor(origin);
  // Three parameters: Express treats a four-parameter function as an error handler.
  const handler: NodeRequestHandler = (req, res, next) => node(req, res, next);
  return Object.assign(handler, {
    fetch: createFetchDoor(origin),
    ready: origin.ready,
    metrics: origin.metrics.registry,
    emf: origin.emf,
    close: () => origin.close(),
    origin,
  });
}

/**
 * @internal The playground's pages when `config.playground` turns it on, else undefined: its
 * modules are loaded only then, and the origin's `ready` waits for them.
 */
export function playgroundPages(config: OriginConfig, deps: { router: MountTable; variants?: VariantTable }): ImageOriginDeps['pages'] {
  if (!config.playground) return undefined;
  const variants = deps.variants ?? EMPTY_VARIANTS;
  return () => import('./playground/index.js').then(({ createPlayground }) => createPlayground(config, { router: deps.router, variants }));
}

/** What a source does not tell the client (a refused address) is logged, with or without an access log. */
const sourceLogger = (logger: OriginLogger | false | undefined): { logger?: OriginLogger } =>
  logger === false ? {} : { logger: logger ?? pino({ base: undefined }, stdoutLines()) };

/** Variants and signing keys are options too: their failures name the problem as the others do. */
function orThrow<T>(result: Result<T>): T {
  if (!result.ok) throw new ImageHandlerOptionsError(result.error.message);
  return result.value;
}
