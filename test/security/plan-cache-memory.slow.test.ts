/**
 * The per-URL parse cache is bounded by bytes, not only by entries: a flood of unique, long URLs
 * (each answered 404) must not keep hundreds of MB alive in the origin.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ok } from '../../origin/src/errors.js';
import { PlanCache, planEntryBytes } from '../../origin/src/http/plan-cache.js';
import type { ImageRequest } from '../../origin/src/pipeline/types.js';
import { SAMPLES } from '../support/origin.js';
import { startChildOrigin } from './support/child-origin.js';

const MiB = 1024 * 1024;

describe('PlanCache byte bound', () => {
  const request = (source: string) => ok({ source, options: {} } as unknown as ImageRequest);

  it('keeps the estimated bytes under the bound however long the URLs, oldest out first', () => {
    const cache = new PlanCache({ maxBytes: 1 * MiB, maxEntries: 10_000 });
    const long = 'x'.repeat(15_000);
    for (let i = 0; i < 2_000; i++) {
      const url = `/cdn-cgi/image/width=100/${long}-${i}.jpg`;
      cache.parse(url, () => request(url));
      expect(cache.retainedBytes).toBeLessThanOrEqual(1 * MiB);
    }
    // 1 MiB holds about 34 of these; they are the newest.
    expect(cache.size).toBe(Math.floor(MiB / planEntryBytes(`/cdn-cgi/image/width=100/${long}-1999.jpg`)));
    let parsedAgain = 0;
    cache.parse(`/cdn-cgi/image/width=100/${long}-1999.jpg`, () => (parsedAgain++, undefined));
    expect(parsedAgain).toBe(0);
    cache.parse(`/cdn-cgi/image/width=100/${long}-0.jpg`, () => (parsedAgain++, undefined));
    expect(parsedAgain).toBe(1);
  });

  it('still bounds the count for short URLs, and a hit costs no parse', () => {
    const cache = new PlanCache({ maxEntries: 100, maxBytes: 8 * MiB });
    for (let i = 0; i < 1_000; i++) cache.parse(`/a-${i}.jpg`, () => undefined);
    expect(cache.size).toBe(100);
    let parses = 0;
    const result = request('/b.jpg');
    expect(cache.parse('/b.jpg', () => (parses++, result))).toBe(result);
    expect(cache.parse('/b.jpg', () => (parses++, result))).toBe(result);
    expect(parses).toBe(1);
  });

  it('a URL larger than the whole budget is parsed but not kept', () => {
    const cache = new PlanCache({ maxBytes: 10_000 });
    cache.parse(`/${'y'.repeat(20_000)}`, () => undefined);
    expect(cache.size).toBe(0);
    expect(cache.retainedBytes).toBe(0);
  });
});

describe('a flood of unique long URLs against a real origin', () => {
  it('12,000 unique 8 KB URLs (404s) leave RSS within 100 MB of where it started', async () => {
    const origin = await startChildOrigin({ mounts: [{ prefix: '/uploads/', source: { type: 'file', root: SAMPLES } }] }, { rssCeilingBytes: 1024 * MiB });
    try {
      const long = 'l'.repeat(7_900);
      // Parsed (by the Cloudflare grammar, or by none) and kept by URL, then a 404: no mount serves /elsewhere/.
      const target = (i: number) => (i % 2 === 0 ? `/cdn-cgi/image/width=100/elsewhere/${long}-${i}.jpg` : `/elsewhere/${long}-${i}.jpg`);
      const send = async (from: number, count: number) => {
        let next = from;
        const statuses = new Map<string, number>();
        const worker = async () => {
          while (next < from + count) {
            const response = await fetch(`${origin.url}${target(next++)}`);
            await response.arrayBuffer();
            const key = `${response.status} ${response.headers.get('x-image-cdn-error')}`;
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        return statuses;
      };

      await send(0, 500); // warm up: JIT, connections, first allocations
      const before = residentBytes(origin.pid);
      const statuses = await send(500, 12_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // What stays: the peak also holds garbage not yet collected, which the next GC gives back.
      const retained = residentBytes(origin.pid) - before;
      console.log(
        `plan cache flood: RSS ${mib(before)} MiB before, peak ${mib(origin.peakRssBytes)} MiB, ${mib(before + retained)} MiB after (+${mib(retained)} MiB)`,
      );

      expect(origin.killedForMemory).toBe(false);
      expect(Object.fromEntries(statuses)).toEqual({ '404 source_not_found': 12_000 });
      expect(retained).toBeLessThan(100 * MiB);
    } finally {
      await origin.stop();
    }
  }, 60_000);
});

const mib = (bytes: number) => (bytes / MiB).toFixed(0);

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}
