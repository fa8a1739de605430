import type { CacheControlConfig } from '../config.js';
import type { SourceMeta } from '../sources/types.js';

/**
 * Cache-Control for a successful response. Precedence: the mount's override, then the
 * source's own (e.g. S3 object metadata), then immutable for content-addressed keys, then the default.
 */
export function successCacheControl(
  config: CacheControlConfig,
  meta: SourceMeta,
  mountOverride: string | undefined,
  signatureExpiresAt?: number,
  now = Date.now(),
): string {
  const policy = mountOverride ?? meta.cacheControl ?? (meta.immutable ? config.immutable : config.default);
  return signatureExpiresAt === undefined ? policy : untilExpiry(policy, signatureExpiresAt, now);
}

/**
 * A response to an expiring signed URL must not outlive the signature in any cache (the URL
 * with its signature is its own cache key), so its lifetime is cut to the time left.
 */
function untilExpiry(policy: string, expiresAt: number, now: number): string {
  const left = Math.max(0, expiresAt - Math.ceil(now / 1000));
  const maxAge = Number(/(?:^|,)\s*max-age=(\d+)/i.exec(policy)?.[1] ?? Infinity);
  if (/no-store/i.test(policy) || maxAge <= left) return policy;
  return left === 0 ? 'no-store' : `public, max-age=${left}`;
}

/** Errors are cached briefly (4xx) or not at all (5xx), never for a year. */
export function errorCacheControl(config: CacheControlConfig, status: number): string {
  return status >= 500 ? config.serverError : config.clientError;
}
