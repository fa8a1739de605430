/**
 * A response to an expiring signed URL must not be served by any cache after the signature
 * expires: not fresh (max-age, s-maxage), and not stale either (stale-while-revalidate,
 * stale-if-error).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_CONTROL } from '../../origin/src/config.js';
import { successCacheControl } from '../../origin/src/http/cache-control.js';
import type { OriginServer } from '../../origin/src/server.js';
import { signPath } from '../../origin/src/signing/native.js';
import { SAMPLES, startTestOrigin } from '../support/origin.js';

const KEY = 'k'.repeat(32);
const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;

/** The longest any cache (private or shared) may serve a response with this Cache-Control, in seconds. */
function servableSeconds(cacheControl: string): number {
  const directives = new Map<string, string | undefined>();
  for (const part of cacheControl.split(',')) {
    const [name, value] = part.trim().split('=') as [string, string | undefined];
    directives.set(name.toLowerCase(), value?.replace(/"/g, ''));
  }
  if (directives.has('no-store')) return 0;
  const number = (name: string) => (directives.has(name) ? Number(directives.get(name) ?? NaN) : undefined);
  const lifetimes = [number('max-age'), number('s-maxage')].filter((n) => n !== undefined);
  // No lifetime at all: caches pick their own (heuristic freshness), so no bound.
  const fresh = lifetimes.length === 0 || lifetimes.some(Number.isNaN) ? Infinity : Math.max(...lifetimes);
  const stale = Math.max(0, ...[number('stale-while-revalidate'), number('stale-if-error')].map((n) => (n === undefined ? 0 : Number.isNaN(n) ? Infinity : n)));
  return fresh + stale;
}

const signedUntil = (policy: string, left: number) => successCacheControl(DEFAULT_CACHE_CONTROL, { etagSeed: 'x', identity: 'x' }, policy, NOW + left, NOW_MS);

describe('Cache-Control for expiring signed URLs (unit)', () => {
  it.each([
    ['the default: stale-while-revalidate outlives a two-hour signature', DEFAULT_CACHE_CONTROL.default, 7_200],
    ['s-maxage longer than the time left', 'public, max-age=60, s-maxage=86400', 600],
    ['stale-if-error longer than the time left', 'public, max-age=300, stale-if-error=604800', 600],
    ['both stale windows', 'public, max-age=100, stale-while-revalidate=1000, stale-if-error=100000', 500],
    ['no lifetime at all (heuristic freshness)', 'public', 600],
    ['immutable content-addressed policy', DEFAULT_CACHE_CONTROL.immutable, 600],
    ['a quoted value and upper case', 'public, Max-Age="60", STALE-WHILE-REVALIDATE=86400', 600],
  ])('%s: no cache may serve it past the expiry', (_name, policy, left) => {
    const cut = signedUntil(policy, left);
    expect(servableSeconds(cut), cut).toBeLessThanOrEqual(left);
    expect(servableSeconds(cut), cut).toBeGreaterThan(0);
  });

  it('keeps what fits: a max-age and stale window within the time left, privacy, revalidation', () => {
    expect(signedUntil(DEFAULT_CACHE_CONTROL.default, 7_200)).toBe('public, max-age=3600, stale-while-revalidate=3600');
    expect(signedUntil('private, max-age=3600, must-revalidate', 600)).toBe('private, max-age=600, must-revalidate');
    expect(signedUntil('public, max-age=60, s-maxage=86400', 600)).toBe('public, max-age=60, s-maxage=600');
    expect(signedUntil(DEFAULT_CACHE_CONTROL.immutable, 600)).toBe('public, max-age=600');
    // Already within the time left: unchanged.
    expect(signedUntil('public, max-age=60, stale-while-revalidate=60', 600)).toBe('public, max-age=60, stale-while-revalidate=60');
  });

  it('an expired signature is no-store; no-store stays no-store', () => {
    expect(signedUntil(DEFAULT_CACHE_CONTROL.default, 0)).toBe('no-store');
    expect(signedUntil('no-store', 600)).toBe('no-store');
  });
});

describe('Cache-Control for expiring signed URLs (over HTTP)', () => {
  let origin: OriginServer;

  beforeAll(async () => {
    origin = await startTestOrigin({
      signing: { keys: [KEY], mode: 'required', exemptVariants: false },
      mounts: [
        { prefix: '/', source: { type: 'file', root: SAMPLES } },
        { prefix: '/shared/', source: { type: 'file', root: SAMPLES }, cacheControl: 'public, max-age=60, s-maxage=86400, stale-if-error=604800' },
      ],
    });
  });
  afterAll(async () => {
    await origin?.close();
  });

  const signed = (path: string, expiresAt: number) => {
    const result = signPath(path, { key: KEY, expiresAt });
    if (!result.ok) throw result.error;
    return result.value;
  };

  it.each([
    ['a transform under the default policy', '/cdn-cgi/image/width=64,format=png/fossa.jpg', 7_200],
    ['an original under the default policy', '/alpha.png', 7_200],
    ['a transform under a mount policy with s-maxage and stale-if-error', '/cdn-cgi/image/width=64,format=png/shared/fossa.jpg', 900],
    ['an original under that mount policy', '/shared/alpha.png', 900],
  ])('%s: 200 and 304 both end by the expiry', async (_name, path, lifetime) => {
    const expiresAt = Math.floor(Date.now() / 1000) + lifetime;
    const url = `${origin.url}${signed(path, expiresAt)}`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const cacheControl = first.headers.get('cache-control')!;
    expect(servableSeconds(cacheControl), cacheControl).toBeLessThanOrEqual(lifetime);

    const again = await fetch(url, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(servableSeconds(again.headers.get('cache-control')!)).toBeLessThanOrEqual(lifetime);
  });
});
