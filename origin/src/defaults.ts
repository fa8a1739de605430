import { DEFAULT_CACHE_CONTROL, DEFAULT_LIMITS, DEFAULT_VERSION_PATTERN, type OriginConfig } from './config.js';
import os from 'node:os';
import { ALB_IDLE_TIMEOUT_MS, HEADERS_TIMEOUT_MS } from './http/keep-alive.js';

/** Defaults for a whole origin; mounts are filled by settings, the config file or handler options. */
export function defaultConfig(): OriginConfig {
  return {
    host: '127.0.0.1',
    port: 3000,
    loadBalancerIdleTimeoutMs: ALB_IDLE_TIMEOUT_MS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
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
