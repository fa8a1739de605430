import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OriginConfig } from '../config.js';
import { imageHandlerOf, type ImageHandler } from '../image-handler.js';
import type { OriginHandler } from './handler.js';
import { createImageOrigin, type ImageOriginDeps } from './image-origin.js';
import type { OriginMetrics } from './metrics.js';

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
  /** Stops accepting connections, resolves once in-flight requests have been answered and the handler is closed. */
  close(): Promise<void>;
}

/** An origin built from parts (a test's own sources), served over node:http with process metrics. */
export async function startOriginServer(config: OriginConfig, deps: ImageOriginDeps): Promise<OriginServer> {
  return listenOrigin(imageHandlerOf(createImageOrigin(config, { processMetrics: true, ...deps })), config);
}

/**
 * The standalone server around a handler: slow-client bounds, short keep-alive, and a close that
 * drains in bounded time before it closes the handler.
 */
export async function listenOrigin(handler: ImageHandler, address: Pick<OriginConfig, 'host' | 'port'>): Promise<OriginServer> {
  const { config } = handler.origin;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const server = http.createServer(SLOW_CLIENT_BOUNDS, (req, res) => {
    inFlight++;
    let finished = false;
    res.once('close', () => {
      if (finished) return;
      finished = true;
      if (--inFlight === 0) drained?.();
    });
    handler(req, res);
  });
  // Idle keep-alive sockets must not hold a shutdown open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;

  const stopServing = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Every answer is due by its deadline; whatever is still open a second after that (a slow
      // reader of a large body, say) is cut off, so closing takes a bounded time.
      setTimeout(() => server.closeAllConnections(), config.limits.requestTimeoutMs + 1_000).unref();
      drained = () => server.closeIdleConnections();
      if (inFlight === 0) drained();
    });

  return {
    url: `http://${host}:${port}`,
    port,
    handler: handler.origin.handler,
    metrics: handler.origin.metrics,
    close: () => stopServing().then(() => handler.close()),
  };
}
