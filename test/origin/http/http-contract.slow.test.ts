import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../../origin/src/server.js';
import { magic, metricValue, SAMPLES, startTestOrigin, tempDir } from '../../support/origin.js';
import { pngHeaderOnly } from '../../support/png-header.js';

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const DIGEST = 'a'.repeat(64);

const root = tempDir();
let origin: OriginServer;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  for (const name of ['fossa.jpg', 'kleiber.jpg', 'alpha.png', 'animated.gif']) copyFileSync(path.join(SAMPLES, name), path.join(root.dir, name));
  copyFileSync(path.join(SAMPLES, 'kleiber.jpg'), path.join(root.dir, `${DIGEST}.jpg`));
  writeFileSync(path.join(root.dir, 'bomb.png'), pngHeaderOnly(30_000, 30_000));
  writeFileSync(path.join(root.dir, 'broken.png'), pngHeaderOnly(100, 100));
  // Just over the default 25,000,000-pixel limit.
  await sharp({ create: { width: 5001, height: 5000, channels: 3, background: '#345' } })
    .jpeg({ quality: 50 })
    .toFile(path.join(root.dir, 'just-over.jpg'));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  origin = await startTestOrigin({}, root.dir, pino({ base: undefined }, sink));
});

afterAll(async () => {
  await origin?.close();
  root.remove();
});

const get = async (target: string, headers: Record<string, string> = {}, method = 'GET') => {
  const response = await fetch(`${origin.url}${target}`, { headers, method });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
};
const transforms = () => metricValue(origin.url, 'image_cdn_transforms_total');

describe('ETag', () => {
  it('is strong, quoted, and equal for the same transform whatever the option order or alias', async () => {
    const a = await get('/cdn-cgi/image/width=300,fit=cover,height=200,quality=80/fossa.jpg');
    const b = await get('/cdn-cgi/image/quality=80,height=200,fit=cover,width=300/fossa.jpg');
    const c = await get('/cdn-cgi/image/q=80,h=200,fit=cover,w=300/fossa.jpg');
    const etag = a.response.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(b.response.headers.get('etag')).toBe(etag);
    expect(c.response.headers.get('etag')).toBe(etag);
    expect(b.body.equals(a.body)).toBe(true);
  });

  it('differs when the bytes differ: options, format, source', async () => {
    const etags = await Promise.all(
      [
        '/cdn-cgi/image/width=300/fossa.jpg',
        '/cdn-cgi/image/width=301/fossa.jpg',
        '/cdn-cgi/image/width=300,format=webp/fossa.jpg',
        '/cdn-cgi/image/width=300/kleiber.jpg',
      ].map(async (t) => (await get(t)).response.headers.get('etag')),
    );
    expect(new Set(etags).size).toBe(4);
  });

  it('follows the negotiated format for format=auto', async () => {
    const avif = await get('/cdn-cgi/image/width=300,format=auto/fossa.jpg', { accept: CHROME });
    const jpeg = await get('/cdn-cgi/image/width=300,format=auto/fossa.jpg', { accept: '*/*' });
    expect(magic(avif.body)).toBe('avif');
    expect(magic(jpeg.body)).toBe('jpeg');
    expect(avif.response.headers.get('etag')).not.toBe(jpeg.response.headers.get('etag'));
  });
});

describe('Cache-Control, Vary, Last-Modified', () => {
  it('mutable sources get the default policy and Last-Modified', async () => {
    const { response } = await get('/cdn-cgi/image/width=300/fossa.jpg');
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    expect(Date.parse(response.headers.get('last-modified')!)).not.toBeNaN();
  });

  it('content-addressed sources are immutable for a year', async () => {
    const { response } = await get(`/cdn-cgi/image/width=300/${DIGEST}.jpg`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('Vary: Accept exactly when format=auto decided', async () => {
    expect((await get('/cdn-cgi/image/width=300,format=auto/fossa.jpg', { accept: CHROME })).response.headers.get('vary')).toBe('Accept');
    expect((await get('/cdn-cgi/image/width=300,format=auto/fossa.jpg')).response.headers.get('vary')).toBe('Accept');
    expect((await get('/cdn-cgi/image/width=300,format=webp/fossa.jpg', { accept: CHROME })).response.headers.get('vary')).toBeNull();
    expect((await get('/cdn-cgi/image/width=300/fossa.jpg', { accept: CHROME })).response.headers.get('vary')).toBeNull();
  });

  it('errors are cached briefly, never for a year', async () => {
    const missing = await get(`/cdn-cgi/image/width=300/${'b'.repeat(64)}.jpg`);
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('cache-control')).toBe('public, max-age=60');
  });
});

describe('conditional requests and HEAD never transform', () => {
  it('answers 304 to If-None-Match (exact, list, weak, *) with the caching headers and no body', async () => {
    const target = '/cdn-cgi/image/width=310,format=auto/fossa.jpg';
    const first = await get(target, { accept: CHROME });
    const etag = first.response.headers.get('etag')!;
    const before = await transforms();
    for (const ifNoneMatch of [etag, `"nope", ${etag}`, `W/${etag}`, '*']) {
      const { response, body } = await get(target, { accept: CHROME, 'if-none-match': ifNoneMatch });
      expect(response.status).toBe(304);
      expect(body.length).toBe(0);
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('cache-control')).toBe(first.response.headers.get('cache-control'));
      expect(response.headers.get('vary')).toBe('Accept');
      expect(response.headers.get('last-modified')).toBe(first.response.headers.get('last-modified'));
    }
    expect(await transforms()).toBe(before);
  });

  it('a non-matching If-None-Match wins over a matching If-Modified-Since', async () => {
    const target = '/cdn-cgi/image/width=311/fossa.jpg';
    const first = await get(target);
    const lastModified = first.response.headers.get('last-modified')!;
    expect((await get(target, { 'if-modified-since': lastModified })).response.status).toBe(304);
    expect((await get(target, { 'if-none-match': '"other"', 'if-modified-since': lastModified })).response.status).toBe(200);
  });

  it('HEAD answers like GET without a body and without transforming', async () => {
    const target = '/cdn-cgi/image/width=312,format=webp/fossa.jpg';
    const before = await transforms();
    const head = await get(target, {}, 'HEAD');
    expect(head.response.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(await transforms()).toBe(before);
    const full = await get(target);
    for (const name of ['etag', 'cache-control', 'content-type', 'last-modified']) {
      expect(head.response.headers.get(name)).toBe(full.response.headers.get(name));
    }
  });
});

describe('back-pressure', () => {
  it('20 concurrent identical cold requests run exactly one transform', async () => {
    const target = '/cdn-cgi/image/width=900,format=avif/kleiber.jpg';
    const before = await transforms();
    const coalescedBefore = await metricValue(origin.url, 'image_cdn_coalesced_requests_total');
    const results = await Promise.all(Array.from({ length: 20 }, () => get(target)));
    expect(results.map((r) => r.response.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.toString('base64'))).size).toBe(1);
    expect(await transforms()).toBe(before + 1);
    expect(await metricValue(origin.url, 'image_cdn_coalesced_requests_total')).toBe(coalescedBefore + 19);
  });

  it('overload past the queue bound answers 503 with Retry-After, and the rest succeed', async () => {
    const small = await startTestOrigin({ limits: { concurrency: 1, queueSize: 2 } }, root.dir);
    try {
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${small.url}/cdn-cgi/image/width=${700 + i},format=avif/kleiber.jpg`)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      const refused = responses.find((r) => r.status === 503)!;
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.headers.get('x-image-cdn-error')).toBe('overloaded');
      expect(refused.headers.get('cache-control')).toBe('no-store');
      // Never more than 1 running + 2 waiting.
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      expect((await fetch(`${small.url}/cdn-cgi/image/width=100/fossa.jpg`)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('limits before work', () => {
  it('refuses a source whose header is over maxPixels, before decoding it (413, not 415)', async () => {
    const before = await transforms();
    const { response, body } = await get('/cdn-cgi/image/width=100/bomb.png');
    expect(response.status).toBe(413);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_too_large');
    expect(body.toString()).toMatch(/900000000 pixels; the limit is 25000000/);
    expect(await transforms()).toBe(before);
    // The same kind of file within the limit is decoded, and fails as undecodable: so 413 came first.
    expect((await get('/cdn-cgi/image/width=100/broken.png')).response.status).toBe(415);
  });

  it('refuses a real image just over 25 MP', async () => {
    const { response } = await get('/cdn-cgi/image/width=100/just-over.jpg');
    expect(response.status).toBe(413);
  });

  it('refuses sources over maxSourceBytes from metadata', async () => {
    const tight = await startTestOrigin({ limits: { maxSourceBytes: 10_000 } }, root.dir);
    try {
      const response = await fetch(`${tight.url}/cdn-cgi/image/width=100/kleiber.jpg`);
      expect(response.status).toBe(413);
      expect(await response.text()).toMatch(/bytes; the limit is 10000/);
    } finally {
      await tight.close();
    }
  });

  it('refuses an output side over 12,000 px, dpr included', async () => {
    const { response, body } = await get('/cdn-cgi/image/width=7000,dpr=2/fossa.jpg');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-image-cdn-error')).toBe('output_too_large');
    expect(body.toString()).toContain('14000');
  });

  it('answers 504 past the request timeout and stays healthy', async () => {
    const slow = await startTestOrigin({ limits: { requestTimeoutMs: 400 } }, root.dir);
    try {
      const timedOut = await fetch(`${slow.url}/cdn-cgi/image/width=3000,fit=contain,blur=250,format=avif/kleiber.jpg`);
      expect(timedOut.status).toBe(504);
      expect(timedOut.headers.get('x-image-cdn-error')).toBe('request_timeout');
      expect(timedOut.headers.get('cache-control')).toBe('no-store');
      expect((await fetch(`${slow.url}/healthz`)).status).toBe(200);
      // libvips stops the abandoned transform at its own (whole-second) timeout; then the slot is free.
      const deadline = Date.now() + 15_000;
      while ((await metricValue(slow.url, 'image_cdn_transforms_in_progress')) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await metricValue(slow.url, 'image_cdn_transforms_in_progress')).toBe(0);
      const next = await fetch(`${slow.url}/cdn-cgi/image/width=16/_health.png`);
      expect(next.status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

describe('errors and fallbacks', () => {
  it('onerror=redirect answers a failing transform with a redirect to the source', async () => {
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=100,onerror=redirect/broken.png`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/broken.png');
  });

  it('paths outside /cdn-cgi/image/ serve the original bytes under the same contract', async () => {
    const original = await get('/fossa.jpg');
    expect(original.response.status).toBe(200);
    expect(original.response.headers.get('content-type')).toBe('image/jpeg');
    expect(original.response.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    const etag = original.response.headers.get('etag')!;
    expect((await get('/fossa.jpg', { 'if-none-match': etag })).response.status).toBe(304);
    const immutable = await get(`/${DIGEST}.jpg`);
    expect(immutable.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});

describe('versioned prefixes and cache tags', () => {
  it('ignores a /vN/ segment: same bytes and ETag as the unversioned URL', async () => {
    const plain = await get('/cdn-cgi/image/width=240/fossa.jpg');
    const versioned = await get('/v2/cdn-cgi/image/width=240/fossa.jpg');
    expect(versioned.response.status).toBe(200);
    expect(versioned.response.headers.get('etag')).toBe(plain.response.headers.get('etag'));
    expect(versioned.body.equals(plain.body)).toBe(true);
    expect((await get('/v17/fossa.jpg')).response.status).toBe(200);
  });

  it('tags responses with the source identity when configured', async () => {
    const tagged = await startTestOrigin({ cacheTagHeader: 'Cache-Tag' }, root.dir);
    try {
      const response = await fetch(`${tagged.url}/cdn-cgi/image/width=100/${DIGEST}.jpg`);
      expect(response.headers.get('cache-tag')).toBe(DIGEST);
      expect((await fetch(`${tagged.url}/fossa.jpg`)).headers.get('cache-tag')).toBe('fossa.jpg');
    } finally {
      await tagged.close();
    }
    expect((await get('/fossa.jpg')).response.headers.get('cache-tag')).toBeNull();
  });

  it('refuses a version pattern that could swallow the path', async () => {
    await expect(startTestOrigin({ versionPattern: 'v2' }, root.dir)).rejects.toThrow(/versionPattern/);
  });
});

describe('operations endpoints', () => {
  it('/healthz is cheap and reports capabilities', async () => {
    const { response, body } = await get('/healthz');
    expect(response.status).toBe(200);
    expect(JSON.parse(body.toString())).toMatchObject({ status: 'ok', capabilities: { avif: true, webp: true } });
  });

  it('the built-in _health.png makes a transform health check', async () => {
    const { response, body } = await get('/cdn-cgi/image/format=auto/_health.png', { accept: CHROME });
    expect(response.status).toBe(200);
    expect(magic(body)).toBe('avif');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('/metrics exposes the counters in Prometheus text format', async () => {
    const text = await (await fetch(`${origin.url}/metrics`)).text();
    for (const name of [
      'image_cdn_transforms_total',
      'image_cdn_requests_total',
      'image_cdn_transform_duration_seconds_bucket',
      'image_cdn_queue_depth',
      'image_cdn_coalesced_requests_total',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('sends Server-Timing and writes one JSON access-log line per request', async () => {
    const { response } = await get('/cdn-cgi/image/width=222/fossa.jpg');
    expect(response.headers.get('server-timing')).toMatch(/transform;dur=\d/);
    const line = logLines.find((l) => l['path'] === '/cdn-cgi/image/width=222/fossa.jpg');
    expect(line).toMatchObject({ method: 'GET', status: 200, outcome: 'transformed' });
    expect(line?.['bytes']).toBeGreaterThan(0);
    expect(line?.['ms']).toBeTypeOf('number');
  });
});

describe('graceful shutdown', () => {
  it('drains in-flight requests before closing', async () => {
    const draining = await startTestOrigin({}, root.dir);
    const inFlight = fetch(`${draining.url}/cdn-cgi/image/width=1100,format=avif/kleiber.jpg`);
    await new Promise((r) => setTimeout(r, 30));
    const closed = draining.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(magic(Buffer.from(await response.arrayBuffer()))).toBe('avif');
    await closed;
    await expect(fetch(`${draining.url}/healthz`)).rejects.toThrow();
  });
});
