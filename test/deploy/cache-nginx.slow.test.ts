import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { findNginx, startNginx, type RunningNginx } from '../support/nginx.js';
import { metricValue, magic, SAMPLES, startTestOrigin, tempDir } from '../support/origin.js';

const nginxBinary = findNginx();
// Locally nginx is optional; in CI (.ci/run installs it) a missing nginx must fail, not skip.
if (!nginxBinary && process.env.CI === 'true') throw new Error('nginx is required in CI: .ci/run should have installed it');

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const FIREFOX_OLD = 'image/webp,*/*';
const CURL = '*/*';

describe.skipIf(!nginxBinary)('a real nginx cache in front of the origin (deploy/nginx.conf)', () => {
  let origin: OriginServer;
  let nginx: RunningNginx;
  const dir = tempDir('image-cdn-nginx-');

  beforeAll(async () => {
    origin = await startTestOrigin({
      mounts: [
        { prefix: '/short/', source: { type: 'file', root: SAMPLES }, cacheControl: 'public, max-age=1' },
        { prefix: '/', source: { type: 'file', root: SAMPLES } },
      ],
    });
    nginx = await startNginx(nginxBinary!, { originPort: origin.port, dir: dir.dir });
  });

  afterAll(async () => {
    await nginx?.stop();
    await origin?.close();
    dir.remove();
  });

  const transforms = () => metricValue(origin.url, 'image_cdn_transforms_total');
  const viaCache = async (target: string, accept = CURL, headers: Record<string, string> = {}) => {
    const response = await fetch(`${nginx.url}${target}`, { headers: { accept, ...headers } });
    const body = Buffer.from(await response.arrayBuffer());
    return { response, body, status: response.headers.get('x-cache-status') };
  };

  it('answers MISS then HIT, transforming once', async () => {
    const before = await transforms();
    const first = await viaCache('/cdn-cgi/image/width=320/fossa.jpg');
    const second = await viaCache('/cdn-cgi/image/width=320/fossa.jpg');
    expect([first.response.status, first.status]).toEqual([200, 'MISS']);
    expect([second.response.status, second.status]).toEqual([200, 'HIT']);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
    expect(await transforms()).toBe(before + 1);
  });

  it('keeps one entry per normalised Accept for format=auto', async () => {
    const target = '/cdn-cgi/image/width=300,format=auto/kleiber.jpg';
    const avif = await viaCache(target, CHROME);
    const webp = await viaCache(target, FIREFOX_OLD);
    const jpeg = await viaCache(target, CURL);
    expect([avif.status, magic(avif.body)]).toEqual(['MISS', 'avif']);
    expect([webp.status, magic(webp.body)]).toEqual(['MISS', 'webp']);
    expect([jpeg.status, magic(jpeg.body)]).toEqual(['MISS', 'jpeg']);
    expect(avif.response.headers.get('vary')).toBe('Accept');
    // A different browser string that normalises to the same class is a hit.
    const safari = await viaCache(target, 'image/webp,image/avif,image/*,*/*;q=0.8');
    expect([safari.status, magic(safari.body)]).toEqual(['HIT', 'avif']);
  });

  it('shares one entry across Accept values for an explicit format', async () => {
    const target = '/cdn-cgi/image/width=300,format=webp/kleiber.jpg';
    expect((await viaCache(target, CHROME)).status).toBe('MISS');
    expect((await viaCache(target, CURL)).status).toBe('HIT');
  });

  it('collapses many concurrent cold requests into one origin transform', async () => {
    const before = await transforms();
    const results = await Promise.all(Array.from({ length: 20 }, () => viaCache('/cdn-cgi/image/width=420,fit=cover,height=420/fossa.jpg')));
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.response.headers.get('etag'))).size).toBe(1);
    expect(await transforms()).toBe(before + 1);
  });

  it('revalidates an expired entry with a conditional request answered 304', async () => {
    const target = '/cdn-cgi/image/width=200/short/fossa.jpg';
    const first = await viaCache(target);
    expect(first.status).toBe('MISS');
    const transformsBefore = await transforms();
    const notModifiedBefore = await metricValue(origin.url, 'image_cdn_requests_total', { status: '304' });
    await new Promise((r) => setTimeout(r, 2_100));
    // With `proxy_cache_background_update`, the expired entry is served (STALE) while nginx
    // revalidates it in the background with a conditional request.
    const again = await viaCache(target);
    expect(['STALE', 'REVALIDATED', 'UPDATING']).toContain(again.status);
    expect(again.body.equals(first.body)).toBe(true);
    const deadline = Date.now() + 5_000;
    while ((await metricValue(origin.url, 'image_cdn_requests_total', { status: '304' })) === notModifiedBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await metricValue(origin.url, 'image_cdn_requests_total', { status: '304' })).toBe(notModifiedBefore + 1);
    const fresh = await viaCache(target);
    expect(fresh.status).toBe('HIT');
    expect(fresh.body.equals(first.body)).toBe(true);
    expect(await transforms()).toBe(transformsBefore);
  });

  it('passes the client conditional through to a 304 from cache', async () => {
    const target = '/cdn-cgi/image/width=320/fossa.jpg';
    const { response } = await viaCache(target);
    const conditional = await viaCache(target, CURL, { 'if-none-match': response.headers.get('etag')! });
    expect(conditional.response.status).toBe(304);
  });
});
