import type { Logger } from 'pino';
import type { OriginConfig } from './config.js';
import { listenOrigin, type OriginServer } from './server.js';
import { createImageHandler } from './image-handler.js';

export { defaultConfig } from './defaults.js';

/**
 * The standalone origin, as `image-cdn serve` and the container run it: createImageHandler on a
 * node:http server, with process metrics. Resolves once it listens; rejects when a source cannot
 * serve (an S3 mount without its SDK) or the address is taken.
 */
export async function startOrigin(config: OriginConfig, options: { logger?: Logger | false } = {}): Promise<OriginServer> {
  // Listening settings are the server's; the handler knows nothing of sockets.
  const { host, port, loadBalancerIdleTimeoutMs, headersTimeoutMs, ...handlerOptions } = config;
  const handler = createImageHandler({ ...handlerOptions, processMetrics: true, ...(options.logger !== undefined && { logger: options.logger }) });
  try {
    await handler.ready;
    return await listenOrigin(handler, { host, port, loadBalancerIdleTimeoutMs, headersTimeoutMs });
  } catch (error) {
    await handler.close();
    throw error;
  }
}
