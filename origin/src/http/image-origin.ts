import { pino, type Logger } from 'pino';
import sharp from 'sharp';
import type { OriginConfig } from '../config-types.js';
import { errors } from '../errors.js';
import { EmfPublisher, type EmfFlusher } from '../observability/emf.js';
import { stdoutLines } from '../observability/stdout.js';
import { EMPTY_VARIANTS, type VariantTable } from '../pipeline/variants.js';
import type { MountTable } from '../sources/mounts.js';
import type { Source } from '../sources/types.js';
import { probeCapabilities } from '../transform/capabilities.js';
import { errorResponse, internalError } from './error-response.js';
import { OriginHandler } from './handler.js';
import { OriginMetrics } from '../observability/metrics.js';
import type { OriginRequest, OriginResponse } from './types.js';

/** The log calls the origin makes: a pino logger, or anything shaped like one. */
export type OriginLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface ImageOriginDeps {
  readonly router: MountTable;
  readonly variants?: VariantTable;
  readonly httpSource?: Source;
  /** Kinds of the configured sources, reported by /healthz. */
  readonly sourceKinds?: readonly string[];
  /** The sources this origin owns: `ready` waits for them, `close` releases them. */
  readonly sources?: readonly Source[];
  /**
   * Access log destination; `false` silences it. Default: JSON lines on stdout when
   * config.accessLog. Unexpected errors go here too, or to stdout when there is no access log.
   */
  readonly logger?: OriginLogger | false;
  /** Also report the process (CPU, memory, event loop, GC) in this origin's registry. */
  readonly processMetrics?: boolean;
  /** Where EMF lines go when `config.emf` turns them on, one whole line per call; default: stdout. */
  readonly emfWrite?: (line: string) => void;
  /** Loads the pages answered before images (the playground, when it is on); `ready` waits for it. Default: none. */
  readonly pages?: () => Promise<PageHandler>;
}

/**
 * Pages the origin serves besides images, asked first for every request: the playground
 * (playground/) implements this, and the assembly hands it over (ImageOriginDeps.pages).
 */
export interface PageHandler {
  /** The answer to one of its own requests; undefined for every other request. */
  answer(request: OriginRequest): Promise<OriginResponse> | undefined;
}

/** Liveness and Prometheus: answered by every door, on these exact targets (no query). */
export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';
const isOperational = (url: string) => url === HEALTH_PATH || url === METRICS_PATH;

export interface Answer {
  readonly response: OriginResponse;
  /** Whether the request is this origin's (see createImageOrigin); a middleware passes the others on. Only a middleware asks. */
  isOwn(): boolean;
}

/** One origin, whatever door requests come through: node:http, a middleware chain or fetch. */
export interface ImageOrigin {
  readonly config: OriginConfig;
  readonly handler: OriginHandler;
  readonly metrics: OriginMetrics;
  /** The CloudWatch EMF publisher, when `config.emf` turns it on. */
  readonly emf: EmfFlusher | undefined;
  /** Settles once every source can serve; rejects with why one never will. */
  readonly ready: Promise<void>;
  /** The response to one request; never rejects (an unexpected failure becomes a tagged 500). */
  answer(request: OriginRequest): Promise<Answer>;
  /** Counts a response as it is sent, and returns what writes its access-log line once it has been. */
  account(request: OriginRequest, response: OriginResponse, startedMs: number): () => void;
  /** Logs a failure nothing anticipated (the door then answers 500). */
  reportBug(error: unknown, url: string): void;
  /** Refuses new requests (503), waits for those being answered, then drops caches and source connections. */
  close(): Promise<void>;
}

/**
 * The origin behind every door. Which requests are its own, for a middleware that passes the
 * rest to the next handler:
 *
 * - `/healthz` and `/metrics`;
 * - every URL an enabled grammar reads as an image request (after any version segment), such as
 *   `/cdn-cgi/image/…`: answered whatever the outcome, errors included;
 * - any other path only when the origin has something there: an original (200, 304) or a
 *   failure on its side (5xx). A 4xx there (no mount or no source at the path, a hidden or
 *   refused path, bytes that are no image, a method other than GET/HEAD, a missing signature)
 *   means "nothing of mine", like express.static's fall-through. Signatures are not checked to
 *   decide this, so an unsigned request cannot learn which paths have sources.
 *
 * A standalone server answers every request; the rule only tells a middleware when to call next().
 */
export function createImageOrigin(config: OriginConfig, deps: ImageOriginDeps): ImageOrigin {
  const metrics = new OriginMetrics({ processMetrics: deps.processMetrics ?? false });
  const capabilities = probeCapabilities();
  const accessLog = deps.logger === false ? undefined : (deps.logger ?? (config.accessLog ? pino({ base: undefined }, stdoutLines()) : undefined));
  let bugLog: OriginLogger | undefined = accessLog;
  const reportBug = (error: unknown, url: string) => (bugLog ??= pino({}, stdoutLines())).error({ err: error, url }, 'unexpected error');
  const emf = config.emf?.enabled
    ? new EmfPublisher(metrics, { ...config.emf, ...(deps.emfWrite && { write: deps.emfWrite }), onError: (error) => reportBug(error, 'emf') })
    : undefined;

  const handler = new OriginHandler({
    config,
    router: deps.router,
    ...(deps.httpSource && { httpSource: deps.httpSource }),
    metrics,
    capabilities,
    variants: deps.variants ?? EMPTY_VARIANTS,
    onBug: (error, request) => reportBug(error, request.url),
  });
  const health = Buffer.from(
    JSON.stringify({
      status: 'ok',
      capabilities: { ...capabilities, jpeg: true, png: true, gif: true },
      sources: deps.sourceKinds ?? [],
      versions: { sharp: sharp.versions.sharp, vips: sharp.versions.vips, node: process.versions.node },
    }),
  );
  const sources = deps.sources ?? [];
  // The pages (the playground, when it is on) answer `/` and their own paths.
  let pages: PageHandler | undefined;
  const pagesLoaded = deps.pages?.().then((loaded) => {
    pages = loaded;
  });
  const ready = Promise.all([...sources.map((source) => source.ready), pagesLoaded]).then(() => undefined);

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  async function respond(request: OriginRequest): Promise<OriginResponse> {
    if (request.url === HEALTH_PATH) return operational('application/json', health);
    if (request.url === METRICS_PATH) return operational(metrics.registry.contentType, Buffer.from(await metrics.registry.metrics()));
    return pages?.answer(request) ?? handler.handle(request);
  }

  const isOwn = (request: OriginRequest, response: OriginResponse) =>
    isOperational(request.url) || response.status < 400 || response.status >= 500 || handler.readsAsImageUrl(request.url);

  return {
    config,
    handler,
    metrics,
    emf,
    ready,
    reportBug,
    async answer(request) {
      const head = request.method === 'HEAD';
      if (closing) {
        const response = errorResponse(errors.overloaded(1, 'this image handler is closed'), config.cacheControl, head);
        return { response, isOwn: () => isOperational(request.url) || handler.readsAsImageUrl(request.url) };
      }
      inFlight++;
      try {
        const response = await respond(request);
        return { response, isOwn: () => isOwn(request, response) };
      } catch (error) {
        reportBug(error, request.url);
        return { response: errorResponse(internalError(), config.cacheControl, head), isOwn: () => true };
      } finally {
        if (--inFlight === 0) drained?.();
      }
    },
    account(request, response, startedMs) {
      metrics.requests.inc({ status: String(response.status), outcome: response.outcome });
      return () =>
        accessLog?.info({
          method: request.method,
          path: request.url,
          status: response.status,
          bytes: Number(response.headers['content-length'] ?? 0),
          ms: Number((performance.now() - startedMs).toFixed(1)),
          outcome: response.outcome,
          ...(response.error && { error: response.error.tag }),
          ...(response.timings && { timings: roundTimings(response.timings) }),
        });
    },
    close() {
      closing ??= (async () => {
        // Every answer is due by its request deadline, so this wait is bounded.
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        handler.decoded.clear();
        await Promise.allSettled(sources.map(async (source) => source.close?.()));
        // Last: every answer has been counted by now.
        await emf?.close();
      })();
      return closing;
    },
  };
}

function operational(contentType: string, body: Buffer): OriginResponse {
  return {
    status: 200,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'cache-control': 'no-store' },
    body,
    outcome: 'operational',
  };
}

const roundTimings = (timings: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(timings).map(([phase, ms]) => [phase, Math.round(ms * 10) / 10]));
