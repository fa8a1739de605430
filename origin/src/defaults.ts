import { DEFAULT_CACHE_CONTROL, DEFAULT_LIMITS, DEFAULT_VERSION_PATTERN, type OriginConfig } from './config.js';
import os from 'node:os';

/** Defaults for a whole origin; mounts are filled by settings, the config file or handler options. */
export function defaultConfig(): OriginConfig {
  return {
    host: '127.0.0.1',
    port: 3000,
    mounts: [],
    limits: { ...DEFAULT_LIMITS, concurrency: os.availableParallelism() /* one transform per core */ },
    cacheControl: DEFAULT_CACHE_CONTROL,
    accessLog: true,
    versionPattern: DEFAULT_VERSION_PATTERN,
    grammars: ['cloudflare'],
    imagekitEndpoint: '/',
    onlyVariants: false,
  };
}
