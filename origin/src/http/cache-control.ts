import type { CacheControlConfig } from '../config.js';
import type { SourceMeta } from '../sources/types.js';

/**
 * Cache-Control for a successful response. Precedence: the mount's override, then the
 * source's own (e.g. S3 object metadata), then immutable for content-addressed keys, then the default.
 */
export function successCacheControl(config: CacheControlConfig, meta: SourceMeta, mountOverride: string | undefined): string {
  return mountOverride ?? meta.cacheControl ?? (meta.immutable ? config.immutable : config.default);
}

/** Errors are cached briefly (4xx) or not at all (5xx), never for a year. */
export function errorCacheControl(config: CacheControlConfig, status: number): string {
  return status >= 500 ? config.serverError : config.clientError;
}
