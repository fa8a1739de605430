import { DEFAULT_CACHE_CONTROL, DEFAULT_LIMITS, DEFAULT_VERSION_PATTERN, type OriginConfig } from './config.js';
import { type OriginServer, startOriginServer } from './http/server.js';
import { tuneRuntime, defaultConcurrency } from './runtime.js';
import { createHttpSource } from './sources/http.js';
import { createSource } from './sources/index.js';
import { createMountTable } from './sources/mounts.js';
import { pino, type Logger } from 'pino';
import type { Result } from './errors.js';
import { EMPTY_VARIANTS, loadVariants } from './pipeline/variants.js';
import { checkSigningKeys } from './signing/keys.js';

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
    grammars: ['cloudflare'],
    imagekitEndpoint: '/',
    onlyVariants: false,
  };
}

/** Builds the configured sources and starts serving. */
export async function startOrigin(config: OriginConfig, options: { logger?: Logger | false } = {}): Promise<OriginServer> {
  if (config.mounts.length === 0) throw new Error('no source configured: give a file root or an S3 bucket');
  const variants = config.variants === undefined ? EMPTY_VARIANTS : orThrow(loadVariants(config.variants));
  if (config.signing) orThrow(checkSigningKeys(config.signing.keys));
  tuneRuntime(config.limits);
  const mounted = config.mounts.map((mount) => ({
    prefix: mount.prefix,
    source: createSource(mount.source),
    ...(mount.cacheControl && { cacheControl: mount.cacheControl }),
  }));
  const httpSource =
    config.httpSource && config.httpSource.allowHosts.length > 0
      ? createHttpSource(config.httpSource, { maxResolveBytes: config.limits.maxSourceBytes, ...sourceLogger(options.logger) })
      : undefined;
  return startOriginServer(config, {
    router: createMountTable(mounted),
    variants,
    ...(httpSource && { httpSource }),
    sourceKinds: [...new Set([...mounted.map((m) => m.source.kind), ...(httpSource ? ['http'] : [])])],
    ...(options.logger !== undefined && { logger: options.logger }),
  });
}

/** What a source does not tell the client (a refused address) is logged, with or without an access log. */
const sourceLogger = (logger: Logger | false | undefined): { logger?: Logger } =>
  logger === false ? {} : { logger: logger ?? pino({ base: undefined }) };

/** Start-up validation failures stop the origin with the message (which names the problem). */
function orThrow<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
