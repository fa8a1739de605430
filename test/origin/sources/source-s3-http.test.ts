import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../../origin/src/server.js';
import { startS3Origin, type S3Origin } from '../../support/s3-origin.js';
import type { S3TestServer } from '../../support/s3-server.js';
import { magic } from '../../support/origin.js';

/**
 * The origin over HTTP with an S3 mount, configured the way production is: the S3 client comes
 * from the SDK's standard chain (AWS_ENDPOINT_URL_S3 points it at the test server).
 */
const fossa = readFileSync(fileURLToPath(new URL('../../../samples/fossa.jpg', import.meta.url)));
const alpha = readFileSync(fileURLToPath(new URL('../../../samples/alpha.png', import.meta.url)));
const digest = createHash('sha256').update(fossa).digest('hex');

let stack: S3Origin;
let s3: S3TestServer;
let origin: OriginServer;

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${origin.url}${path}`, { headers });

beforeAll(async () => {
  stack = await startS3Origin({ limits: { maxSourceBytes: 60_000 } });
  ({ s3, origin } = stack);
  await stack.put(`uploads/${digest}.jpg`, fossa, 'image/jpeg');
  await stack.put('uploads/logo.png', alpha, 'image/png');
});
afterAll(() => stack?.close());
beforeEach(() => s3.resetRequests());

describe('origin over HTTP with an S3 mount', () => {
  it('a content-addressed key: 200 immutable (HEAD once: does it exist?), then 304 with zero S3 requests', async () => {
    const path = `/cdn-cgi/image/width=100,format=webp/uploads/${digest}.jpg`;
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(magic(new Uint8Array(await first.arrayBuffer()))).toBe('webp');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);

    s3.resetRequests();
    const again = await get(path, { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(s3.requests).toHaveLength(0);
  });

  it('more renditions of a source already decoded: 200s with zero S3 requests', async () => {
    // fossa is 1600 wide: widths 250–300 and a 160×160 cover all start from the same 1/5 level.
    expect((await get(`/cdn-cgi/image/width=300,format=jpeg/uploads/${digest}.jpg`)).status).toBe(200);
    expect(s3.requests.map((r) => r.method)).toEqual(['GET']);
    s3.resetRequests();
    for (const options of ['width=250,format=webp', 'width=280,format=avif', 'width=160,height=160,fit=cover,format=png']) {
      const response = await get(`/cdn-cgi/image/${options}/uploads/${digest}.jpg`);
      expect(response.status, options).toBe(200);
      await response.arrayBuffer();
    }
    expect(s3.requests).toHaveLength(0);
  });

  it('a content-addressed conditional request is answered even while S3 is down (no I/O at all)', async () => {
    const path = `/cdn-cgi/image/width=80,format=jpeg/uploads/${digest}.jpg`;
    const etag = (await get(path)).headers.get('etag')!;
    await s3.stop();
    try {
      const revalidated = await get(path, { 'if-none-match': etag });
      expect(revalidated.status).toBe(304);
    } finally {
      await s3.start();
    }
  });

  it('a mutable key: short Cache-Control; a conditional request costs one HEAD and no GET', async () => {
    const path = '/cdn-cgi/image/width=50,format=png/uploads/logo.png';
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=3600');
    const etag = first.headers.get('etag')!;
    s3.resetRequests();
    const again = await get(path, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('replacing a mutable object changes the ETag', async () => {
    await stack.put('uploads/swap.jpg', fossa, 'image/jpeg');
    const path = '/cdn-cgi/image/width=40,format=jpeg/uploads/swap.jpg';
    const before = (await get(path)).headers.get('etag')!;
    await stack.put('uploads/swap.jpg', alpha, 'image/png');
    const after = await get(path, { 'if-none-match': before });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
  });

  it('a missing key is a 404 with the source_not_found tag', async () => {
    const response = await get('/cdn-cgi/image/width=50/uploads/missing.jpg');
    expect(response.status).toBe(404);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_not_found');
  });

  it('a source over maxSourceBytes is a 413 decided from HeadObject, before any GetObject', async () => {
    await stack.put('uploads/big.jpg', Buffer.concat([fossa, fossa, fossa, fossa]), 'image/jpeg');
    s3.resetRequests();
    const response = await get('/cdn-cgi/image/width=50/uploads/big.jpg');
    expect(response.status).toBe(413);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_too_large');
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('S3 down is a 502 source_fetch_error, and the origin recovers when it is back', async () => {
    const path = '/cdn-cgi/image/width=30,format=png/uploads/logo.png';
    await s3.stop();
    try {
      const down = await get(path);
      expect(down.status).toBe(502);
      expect(down.headers.get('x-image-cdn-error')).toBe('source_fetch_error');
      expect(down.headers.get('cache-control')).toBe('no-store');
    } finally {
      await s3.start();
    }
    const back = await get(path);
    expect(back.status).toBe(200);
  });
});
