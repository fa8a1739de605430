import type { CacheControlConfig } from '../config-types.js';
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

/** Directives that say how long a cache may serve the response as fresh (s-maxage: shared caches). */
const LIFETIMES = new Set(['max-age', 's-maxage']);
/** Directives that let a cache go on serving it, stale, for that much longer. */
const STALE_WINDOWS = new Set(['stale-while-revalidate', 'stale-if-error']);

/**
 * A response to an expiring signed URL must not outlive the signature in any cache (the URL
 * with its signature is its own cache key). A cache may serve it fresh, then stale for a while
 * more, so the lifetimes are cut to the time left and the stale windows to what remains after
 * them. Other directives (`private`, `no-cache`, ...) are kept; `immutable` goes with the year.
 */
function untilExpiry(policy: string, expiresAt: number, now: number): string {
  const left = Math.max(0, expiresAt - Math.ceil(now / 1000));
  const directives = parseCacheControl(policy);
  if (directives.some((directive) => directive.name === 'no-store')) return policy;
  if (left === 0) return 'no-store';
  const fresh = freshness(directives);
  if (fresh + staleness(directives) <= left) return policy;

  const staleLeft = left - Math.min(fresh, left);
  const cut = directives.flatMap((directive): string[] => {
    if (LIFETIMES.has(directive.name)) return [`${directive.name}=${Math.min(seconds(directive), left)}`];
    if (STALE_WINDOWS.has(directive.name)) {
      const stale = Math.min(seconds(directive), staleLeft);
      return stale > 0 ? [`${directive.name}=${stale}`] : [];
    }
    return directive.name === 'immutable' ? [] : [directive.text];
  });
  // Without an explicit lifetime a cache would guess one (heuristic freshness): give it one.
  if (!directives.some((directive) => LIFETIMES.has(directive.name))) cut.push(`max-age=${left}`);
  return cut.join(', ');
}

interface Directive {
  /** Lower case, for comparison. */
  readonly name: string;
  readonly value?: string;
  /** As configured, for directives passed through unchanged. */
  readonly text: string;
}

function parseCacheControl(policy: string): Directive[] {
  return policy
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((text) => {
      const eq = text.indexOf('=');
      if (eq < 0) return { name: text.toLowerCase(), text };
      return {
        name: text.slice(0, eq).trim().toLowerCase(),
        value: text
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
        text,
      };
    });
}

/** A malformed or missing number counts as forever: the cut then replaces it. */
const seconds = (directive: Directive): number => (directive.value !== undefined && /^\d+$/.test(directive.value) ? Number(directive.value) : Infinity);

/** The longest any cache may treat the response as fresh; unbounded without max-age or s-maxage. */
function freshness(directives: readonly Directive[]): number {
  const lifetimes = directives.filter((directive) => LIFETIMES.has(directive.name)).map(seconds);
  return lifetimes.length === 0 ? Infinity : Math.max(...lifetimes);
}

/** The longest any cache may serve it stale after that. */
const staleness = (directives: readonly Directive[]): number =>
  Math.max(0, ...directives.filter((directive) => STALE_WINDOWS.has(directive.name)).map(seconds));

/** Errors are cached briefly (4xx) or not at all (5xx), never for a year. */
export function errorCacheControl(config: CacheControlConfig, status: number): string {
  return status >= 500 ? config.serverError : config.clientError;
}
