import { DEFAULT_CACHE_CONTROL, DEFAULT_LIMITS, DEFAULT_VERSION_PATTERN, type OriginConfig } from './config.js';
import { type OriginServer, startOriginServer } from './http/server.js';
import { tuneRuntime, defaultConcurrency } from './runtime.js';
import { createHttpSource } from './sources/http.js';
import { createSource } from './sources/index.js';
import { createMountTable } from './sources/mounts.js';
import type { Logger } from 'pino';

/** Defaults for a whole origin; mounts are filled by settings or the config file. */
export function defaultConfig(): OriginConfig {
  return {
    host: '127.0.0.1',
    port: 3000,
    mounts: [],
    limits: { ...DEFAULT_LIMITS, concurrency: defaultConcurrency() },
    cacheControl: DEFAULT_CACHE_CONTROL,
    accessLog: true,
    versionPattern: DEFAULT_VERSION_PATTERN,
  };
}

/** Builds the configured sources and starts serving. */
export async function startOrigin(config: OriginConfig, options: { logger?: Logger | false } = {}): Promise<OriginServer> {
  if (config.mounts.length === 0) throw new Error('no source configured: give a file root or an S3 bucket');
  tuneRuntime(config.limits);
  const mounted = config.mounts.map((mount) => ({
    prefix: mount.prefix,
    source: createSource(mount.source),
    ...(mount.cacheControl && { cacheControl: mount.cacheControl }),
  }));
  const httpSource =
    config.httpSource && config.httpSource.allowHosts.length > 0
      ? createHttpSource(config.httpSource, { maxResolveBytes: config.limits.maxSourceBytes })
      : undefined;
  return startOriginServer(config, {
    router: createMountTable(mounted),
    ...(httpSource && { httpSource }),
    sourceKinds: [...new Set([...mounted.map((m) => m.source.kind), ...(httpSource ? ['http'] : [])])],
    ...(options.logger !== undefined && { logger: options.logger }),
  });
}
