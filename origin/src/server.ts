import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OriginConfig } from './config-types.js';
import { imageHandlerOf, playgroundPages, type ImageHandler } from './image-handler.js';
import type { OriginHandler } from './http/handler.js';
import { createImageOrigin, type ImageOriginDeps } from './http/image-origin.js';
import { originTimeouts } from './http/keep-alive.js';
import type { OriginMetrics } from './observability/metrics.js';

/** How often Node checks the headers and request timers (its default is 30 s), so slow sockets close on time. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** The settings listenOrigin itself uses: where to listen, and the connection timeouts. */
export type ListenOptions = Pick<OriginConfig, 'host' | 'port' | 'loadBalancerIdleTimeoutMs' | 'headersTimeoutMs'>;

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
  const pages = playgroundPages(config, deps);
  return listenOrigin(imageHandlerOf(createImageOrigin(config, { processMetrics: true, ...(pages && { pages }), ...deps })), config);
}

/**
 * The standalone server around a handler: slow-client bounds, keep-alive outlasting the load
 * balancer's, and a close that drains in bounded time before it closes the handler.
 */
export async function listenOrigin(handler: ImageHandler, listen: ListenOptions): Promise<OriginServer> {
  const { config } = handler.origin;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const timeouts = originTimeouts(listen.loadBalancerIdleTimeoutMs, listen.headersTimeoutMs);
  const server = http.createServer({ ...timeouts, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, (req, res) => {
    inFlight++;
    let finished = false;
    res.once('close', () => {
      if (finished) return;
      finished = true;
      if (--inFlight === 0) drained?.();
    });
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;

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
