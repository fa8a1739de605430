import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pino, type Logger } from 'pino';
import sharp from 'sharp';
import type { CacheControlConfig, OriginConfig } from '../config.js';
import { errorResponse, internalError } from './error-response.js';
import { OriginHandler, probeCapabilities } from './handler.js';
import { OriginMetrics } from './metrics.js';
import type { OriginRequest, OriginResponse } from './types.js';
import { EMPTY_VARIANTS, type VariantTable } from '../pipeline/variants.js';
import type { MountTable } from '../sources/mounts.js';
import type { Source } from '../sources/types.js';

export interface OriginServerOptions {
  readonly router: MountTable;
  readonly variants?: VariantTable;
  readonly httpSource?: Source;
  /** Kinds of the configured sources, reported by /healthz. */
  readonly sourceKinds?: readonly string[];
  /** Access log destination; `false` silences it. Default: JSON lines on stdout when config.accessLog. */
  readonly logger?: Logger | false;
}

/**
 * A client gets 10 s to send its request headers (a GET has no body), checked every second
 * rather than Node's 30 s, so sockets that trickle bytes (slowloris) are closed in bounded time
 * instead of held for a minute or more each.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
const SLOW_CLIENT_BOUNDS: http.ServerOptions = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: HEADERS_TIMEOUT_MS,
  connectionsCheckingInterval: 1_000,
};

export interface OriginServer {
  readonly url: string;
  readonly port: number;
  readonly handler: OriginHandler;
  readonly metrics: OriginMetrics;
  /** Stops accepting connections and resolves once in-flight requests have been answered. */
  close(): Promise<void>;
}

/** The node:http adapter: a thin shell around OriginHandler plus /healthz and /metrics. */
export async function startOriginServer(config: OriginConfig, options: OriginServerOptions): Promise<OriginServer> {
  const metrics = new OriginMetrics({ processMetrics: true });
  const capabilities = probeCapabilities();
  const logger = options.logger === false ? undefined : options.logger ?? (config.accessLog ? pino({ base: undefined }) : undefined);
  const handler = new OriginHandler({
    config,
    router: options.router,
    ...(options.httpSource && { httpSource: options.httpSource }),
    metrics,
    capabilities,
    variants: options.variants ?? EMPTY_VARIANTS,
    onBug: (error, request) => bug(error, request.url),
  });
  const health = Buffer.from(JSON.stringify({
    status: 'ok',
    capabilities: { ...capabilities, jpeg: true, png: true, gif: true },
    sources: options.sourceKinds ?? [],
    versions: { sharp: sharp.versions.sharp, vips: sharp.versions.vips, node: process.versions.node },
  }));

  let inFlight = 0;
  let drained: (() => void) | undefined;

  const bug = (error: unknown, url: string) => (logger ?? pino()).error({ err: error, url }, 'unexpected error');

  const server = http.createServer(SLOW_CLIENT_BOUNDS, (req, res) => {
    inFlight++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (--inFlight === 0) drained?.();
    };
    res.once('close', finish);
    // The last resort: whatever a request does, it ends in an answer (or a closed socket), never in the process's end.
    serve(req, res).catch((error: unknown) => {
      bug(error, req.url ?? '');
      answerInternalError(res, config.cacheControl);
    });
  });

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const request: OriginRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      },
    };
    let response: OriginResponse;
    if (request.url === '/healthz') {
      response = operational(200, 'application/json', health);
    } else if (request.url === '/metrics') {
      response = operational(200, metrics.registry.contentType, Buffer.from(await metrics.registry.metrics()));
    } else {
      response = await handler.handle(request);
    }
    metrics.requests.inc({ status: String(response.status), outcome: response.outcome });
    res.writeHead(response.status, response.headers);
    res.once('close', () =>
      logger?.info({
        method: request.method,
        path: request.url,
        status: response.status,
        bytes: Number(response.headers['content-length'] ?? 0),
        ms: Number((performance.now() - started).toFixed(1)),
        outcome: response.outcome,
        ...(response.error && { error: response.error.tag }),
        ...(response.timings && { timings: roundTimings(response.timings) }),
      }),
    );
    if (!response.body || request.method === 'HEAD') res.end();
    else if (Buffer.isBuffer(response.body)) res.end(response.body);
    else sendStream(response.body, res);
  }
  // Idle keep-alive sockets must not hold a shutdown open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host}:${port}`,
    port,
    handler,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Every answer is due by its deadline; whatever is still open a second after that (a slow
        // reader of a large body, say) is cut off, so closing takes a bounded time.
        setTimeout(() => server.closeAllConnections(), config.limits.requestTimeoutMs + 1_000).unref();
        drained = () => server.closeIdleConnections();
        if (inFlight === 0) drained();
      }),
  };
}

/** A tagged 500 when nothing was sent yet; otherwise the half-sent response can only be cut off. */
function answerInternalError(res: http.ServerResponse, cacheControl: CacheControlConfig): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers, body } = errorResponse(internalError(), cacheControl);
  res.writeHead(status, headers).end(body);
}

function operational(status: number, contentType: string, body: Buffer): OriginResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'cache-control': 'no-store' },
    body,
    outcome: 'operational',
  };
}

function sendStream(body: Readable, res: http.ServerResponse): void {
  body.once('error', () => res.destroy());
  res.once('close', () => body.destroy());
  body.pipe(res);
}

const roundTimings = (timings: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(timings).map(([phase, ms]) => [phase, Math.round(ms * 10) / 10]));
