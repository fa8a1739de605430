/**
 * A content-addressed S3 key names the bytes it would hold, not that it exists. HEAD and
 * conditional requests must agree with GET, and no `immutable` response may go out for a key
 * that was never seen in the bucket; once seen, revalidations stay free of S3 requests.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { createS3Source } from '../../origin/src/sources/s3.js';
import { SAMPLES } from '../support/origin.js';
import { S3_ORIGIN_BUCKET as BUCKET, startS3Origin, type S3Origin } from '../support/s3-origin.js';
import type { S3TestServer } from '../support/s3-server.js';

const fossa = readFileSync(path.join(SAMPLES, 'fossa.jpg'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const present = sha256(fossa);
const missing = sha256(Buffer.from('never uploaded'));

let stack: S3Origin;
let s3: S3TestServer;
let origin: OriginServer;

const request = (target: string, init: { method?: string; headers?: Record<string, string> } = {}) => fetch(`${origin.url}${target}`, init);
const s3Methods = () => s3.requests.map((r) => r.method);
const everyHeader = (response: Response) => JSON.stringify([...response.headers]);

beforeAll(async () => {
  stack = await startS3Origin();
  ({ s3, origin } = stack);
  await stack.put(`uploads/${present}.jpg`, fossa);
});
afterAll(() => stack?.close());
beforeEach(() => s3.resetRequests());

describe('a content-addressed key that does not exist', () => {
  it.each([
    ['the original', `/uploads/${missing}.jpg`],
    ['a transform', `/cdn-cgi/image/width=100,format=webp/uploads/${missing}.jpg`],
  ])('%s: HEAD, If-None-Match: * and GET all answer 404, never immutable', async (_name, target) => {
    const head = await request(target, { method: 'HEAD' });
    const anyVersion = await request(target, { headers: { 'if-none-match': '*' } });
    const guessedEtag = await request(target, { headers: { 'if-none-match': '"anything"' } });
    const get = await request(target);
    for (const [what, response] of [
      ['HEAD', head],
      ['If-None-Match: *', anyVersion],
      ['If-None-Match: "anything"', guessedEtag],
      ['GET', get],
    ] as const) {
      await response.arrayBuffer();
      expect(response.status, what).toBe(404);
      expect(response.headers.get('x-image-cdn-error'), what).toBe('source_not_found');
      expect(everyHeader(response), what).not.toContain('immutable');
    }
  });
});

describe('a content-addressed key that exists', () => {
  it('the first request asks S3 whether it exists; revalidations after that make no S3 request', async () => {
    const target = `/cdn-cgi/image/width=90,format=jpeg/uploads/${present}.jpg`;
    const first = await request(target);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(s3Methods()).toEqual(['HEAD', 'GET']);

    s3.resetRequests();
    const etag = first.headers.get('etag')!;
    for (let i = 0; i < 3; i++) {
      const again = await request(target, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await request(target, { headers: { 'if-none-match': '*' } })).status).toBe(304);
    expect((await request(`/uploads/${present}.jpg`, { method: 'HEAD' })).status).toBe(200);
    expect(s3.requests).toHaveLength(0);
  });

  it('a key deleted after it was seen: the failed GET forgets it, so HEAD and 304 stop vouching for it', async () => {
    const digest = sha256(Buffer.concat([fossa, Buffer.from('deleted later')]));
    await stack.put(`uploads/${digest}.jpg`, fossa);
    const target = `/uploads/${digest}.jpg`;
    expect((await request(target, { method: 'HEAD' })).status).toBe(200);
    await stack.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `uploads/${digest}.jpg` }));
    const get = await request(target);
    expect(get.status).toBe(404);
    await get.arrayBuffer();
    s3.resetRequests();
    expect((await request(target, { method: 'HEAD' })).status).toBe(404);
    expect((await request(target, { headers: { 'if-none-match': '*' } })).status).toBe(404);
    expect(s3Methods()).toEqual(['HEAD', 'HEAD']);
  });
});

describe('the remembered keys are bounded', () => {
  it('least recently used out first: a forgotten key is asked about again', async () => {
    const digests = ['a', 'b', 'c'].map((name) => sha256(Buffer.from(`bounded ${name}`)));
    for (const digest of digests) await stack.put(`uploads/${digest}.jpg`, fossa);
    const source = createS3Source({ type: 's3', bucket: BUCKET, prefix: 'uploads/' }, { client: stack.client, knownKeys: 2 });
    const resolve = (digest: string) => source.resolve(`${digest}.jpg`, new AbortController().signal);
    const [a, b, c] = digests as [string, string, string];

    await resolve(a);
    await resolve(b);
    s3.resetRequests();
    await resolve(a); // known; now the most recently used
    expect(s3.requests).toHaveLength(0);
    await resolve(c); // a third key pushes out b, the least recently used
    expect(s3Methods()).toEqual(['HEAD']);
    s3.resetRequests();
    await resolve(a);
    expect(s3.requests).toHaveLength(0);
    await resolve(b);
    expect(s3Methods()).toEqual(['HEAD']);
  });
});
