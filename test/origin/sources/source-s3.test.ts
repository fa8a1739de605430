import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../origin/src/sources/s3-client.js';
import { createS3Source, MUTABLE_S3_CACHE_CONTROL } from '../../../origin/src/sources/s3.js';
import type { ResolvedSource, Source } from '../../../origin/src/sources/types.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { failure } from '../../support/failure.js';

const SAMPLES = fileURLToPath(new URL('../../../samples/', import.meta.url));
const fossa = readFileSync(path.join(SAMPLES, 'fossa.jpg'));
const alpha = readFileSync(path.join(SAMPLES, 'alpha.png'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const BUCKET = 'images';

let s3: S3TestServer;
let client: S3Client;
let source: Source;

const open = (resolved: ResolvedSource, maxBytes = 10_000_000) => resolved.open({ signal: new AbortController().signal, maxBytes });
const resolve = (src: Source, key: string) => src.resolve(key, new AbortController().signal);

async function put(key: string, body: Buffer, extra: { ContentType?: string; CacheControl?: string } = {}) {
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...extra }));
}

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  client = s3.client();
  source = createS3Source({ type: 's3', bucket: BUCKET, prefix: 'uploads/' }, { client });
});
afterAll(async () => {
  await s3?.close();
});
beforeEach(() => s3.resetRequests());

describe('content-addressed keys', () => {
  const digest = sha256(fossa);

  beforeAll(async () => {
    await put(`uploads/${digest}.jpg`, fossa, { ContentType: 'image/jpeg' });
    await put(`uploads/${digest}`, fossa);
  });

  it('resolve asks S3 once whether the key exists, then never again; the digest is the etag seed', async () => {
    s3.resetRequests();
    const resolved = await resolve(source, `${digest}.jpg`);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
    expect(resolved.meta).toEqual({ etagSeed: digest, identity: digest, immutable: true, contentType: 'image/jpeg' });
    s3.resetRequests();
    expect((await resolve(source, `${digest}.jpg`)).meta).toEqual(resolved.meta);
    expect(s3.requests).toHaveLength(0);
  });

  it('a key without an extension is content-addressed too, with no content type known', async () => {
    const resolved = await resolve(source, digest);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
    expect(resolved.meta.immutable).toBe(true);
    expect(resolved.meta.contentType).toBeUndefined();
    const body = await open(resolved);
    expect(body.kind === 'bytes' && body.bytes.equals(fossa)).toBe(true);
  });

  it('open reads the bytes with a single GetObject', async () => {
    const resolved = await resolve(source, `${digest}.jpg`);
    const body = await open(resolved);
    expect(body.kind).toBe('bytes');
    expect(body.kind === 'bytes' && body.bytes.equals(fossa)).toBe(true);
    expect(s3.requests.map((r) => r.method)).toEqual(['GET']);
    expect(s3.requests[0]!.url).toContain(`/images/uploads/${digest}.jpg`);
  });

  it('a missing content-addressed object is a 404 from resolve (HeadObject), not vouched for by its digest', async () => {
    const missing = sha256(Buffer.from('never uploaded'));
    const error = await failure(resolve(source, `${missing}.png`));
    expect(error.status).toBe(404);
    expect(error.tag).toBe('source_not_found');
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('verifyDigest answers 502 source_integrity_error when the bytes do not match the key', async () => {
    const wrong = sha256(Buffer.from('something else'));
    await put(`uploads/${wrong}.jpg`, fossa);
    const verifying = createS3Source({ type: 's3', bucket: BUCKET, prefix: 'uploads/', verifyDigest: true }, { client });
    const error = await failure(open(await resolve(verifying, `${wrong}.jpg`)));
    expect(error.status).toBe(502);
    expect(error.tag).toBe('source_integrity_error');
    // The honest object passes the same check.
    const body = await open(await resolve(verifying, `${digest}.jpg`));
    expect(body.kind === 'bytes' && body.bytes.equals(fossa)).toBe(true);
    // Without verifyDigest the mismatch goes unnoticed: the check is what catches it.
    const unchecked = await open(await resolve(source, `${wrong}.jpg`));
    expect(unchecked.kind).toBe('bytes');
  });

  it('the pattern is configurable (a named digest group inside a longer basename)', async () => {
    await put(`uploads/img-${digest}-v1.jpg`, fossa);
    const custom = createS3Source(
      { type: 's3', bucket: BUCKET, prefix: 'uploads', contentAddressedPattern: '^img-(?<digest>[0-9a-f]{64})-v\\d+\\.jpg$' },
      { client },
    );
    const resolved = await resolve(custom, `img-${digest}-v1.jpg`);
    expect(resolved.meta.etagSeed).toBe(digest);
    expect(resolved.meta.immutable).toBe(true);
    s3.resetRequests();
    // The default pattern does not treat that basename as content-addressed: it needs a HEAD.
    const mutable = await resolve(source, `img-${digest}-v1.jpg`);
    expect(mutable.meta.immutable).toBeUndefined();
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('upper-case hex is not the canonical form and is treated as a mutable key', async () => {
    await put(`uploads/${digest.toUpperCase()}.jpg`, fossa);
    s3.resetRequests();
    const resolved = await resolve(source, `${digest.toUpperCase()}.jpg`);
    expect(resolved.meta.immutable).toBeUndefined();
    expect(s3.requests).toHaveLength(1);
  });
});

describe('mutable keys', () => {
  it('HeadObject gives size, ETag, Last-Modified, content type and the default short Cache-Control', async () => {
    await put('uploads/logo.png', alpha, { ContentType: 'image/png' });
    s3.resetRequests();
    const resolved = await resolve(source, 'logo.png');
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
    const { meta } = resolved;
    expect(meta.size).toBe(alpha.length);
    expect(meta.contentType).toBe('image/png');
    expect(meta.lastModified).toBeInstanceOf(Date);
    expect(meta.immutable).toBeUndefined();
    expect(meta.identity).toBe('uploads/logo.png');
    expect(meta.cacheControl).toBe(MUTABLE_S3_CACHE_CONTROL);
    expect(meta.etagSeed).toContain(`"${createHash('md5').update(alpha).digest('hex')}"`);
    const body = await open(resolved);
    expect(body.kind === 'bytes' && body.bytes.equals(alpha)).toBe(true);
    // The GET is pinned to the HEAD's version.
    const get = s3.requests.find((r) => r.method === 'GET');
    expect(get?.headers['if-match']).toBe(`"${createHash('md5').update(alpha).digest('hex')}"`);
  });

  it("the object's own Cache-Control metadata wins over the default", async () => {
    await put('uploads/banner.png', alpha, { ContentType: 'image/png', CacheControl: 'public, max-age=60' });
    const resolved = await resolve(source, 'banner.png');
    expect(resolved.meta.cacheControl).toBe('public, max-age=60');
  });

  it('a replaced object gets a new etag seed', async () => {
    await put('uploads/hero.jpg', fossa, { ContentType: 'image/jpeg' });
    const before = await resolve(source, 'hero.jpg');
    await put('uploads/hero.jpg', alpha, { ContentType: 'image/png' });
    const after = await resolve(source, 'hero.jpg');
    expect(after.meta.etagSeed).not.toBe(before.meta.etagSeed);
    expect(after.meta.size).toBe(alpha.length);
    // Resolving again without a change gives the same seed.
    expect((await resolve(source, 'hero.jpg')).meta.etagSeed).toBe(after.meta.etagSeed);
  });

  it('an object replaced between resolve and open is refused, never served under the old ETag', async () => {
    await put('uploads/swap.jpg', fossa, { ContentType: 'image/jpeg' });
    const resolved = await resolve(source, 'swap.jpg');
    await put('uploads/swap.jpg', alpha, { ContentType: 'image/png' });
    const error = await failure(open(resolved));
    expect(error.status).toBe(502);
    expect(error.tag).toBe('source_fetch_error');
    expect(error.message).toContain('replaced while it was being read');
  });

  it('a 412 from S3 (IfMatch failed) is the same 502', async () => {
    await put('uploads/pinned.jpg', fossa);
    const resolved = await resolve(source, 'pinned.jpg');
    s3.failNext(1, 412, 'PreconditionFailed');
    const error = await failure(open(resolved));
    expect(error.status).toBe(502);
    expect(error.message).toContain('replaced');
  });

  it('a missing key is a 404 source_not_found from HeadObject', async () => {
    const error = await failure(resolve(source, 'nope/missing.jpg'));
    expect(error.status).toBe(404);
    expect(error.tag).toBe('source_not_found');
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('an object deleted after resolve is a 404 on open', async () => {
    await put('uploads/gone.jpg', fossa);
    const resolved = await resolve(source, 'gone.jpg');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'uploads/gone.jpg' }));
    const error = await failure(open(resolved));
    expect(error.status).toBe(404);
  });

  it('dot segments and empty segments are refused without an S3 request', async () => {
    for (const bad of ['../secret.jpg', 'a/./b.jpg', 'a//b.jpg']) {
      const error = await failure(resolve(source, bad));
      expect(error.status).toBe(400);
      expect(error.tag).toBe('source_forbidden');
    }
    expect(s3.requests).toHaveLength(0);
  });
});

describe('byte limits', () => {
  it('a mutable key over maxBytes is refused from its ContentLength, before any GetObject', async () => {
    await put('uploads/big.jpg', fossa);
    const resolved = await resolve(source, 'big.jpg');
    s3.resetRequests();
    const error = await failure(open(resolved, fossa.length - 1));
    expect(error.status).toBe(413);
    expect(error.tag).toBe('source_too_large');
    expect(s3.requests).toHaveLength(0);
    // Exactly at the limit is fine.
    const body = await open(resolved, fossa.length);
    expect(body.kind === 'bytes' && body.bytes.length).toBe(fossa.length);
  });

  it('a content-addressed key over maxBytes is refused from the GET response length', async () => {
    const digest = sha256(fossa);
    await put(`uploads/${digest}.jpg`, fossa);
    const error = await failure(open(await resolve(source, `${digest}.jpg`), 1000));
    expect(error.status).toBe(413);
  });
});

describe('S3 failures', () => {
  it('throttling (503 SlowDown) becomes 502 source_fetch_error after a bounded retry', async () => {
    await put('uploads/busy.jpg', fossa);
    s3.resetRequests();
    s3.failNext(2, 503, 'SlowDown');
    const error = await failure(resolve(source, 'busy.jpg'));
    expect(error.status).toBe(502);
    expect(error.tag).toBe('source_fetch_error');
    expect(error.message).toContain('uploads/busy.jpg');
    expect(error.message).not.toMatch(/S3RVER|Signature|Credential/);
    // maxAttempts = 2: one try and one retry, no storm.
    expect(s3.requests).toHaveLength(2);
  });

  it('a 500 on GetObject is a 502 too', async () => {
    const digest = sha256(alpha);
    await put(`uploads/${digest}.png`, alpha);
    const resolved = await resolve(source, `${digest}.png`);
    s3.failNext(2, 500, 'InternalError');
    const error = await failure(open(resolved));
    expect(error.status).toBe(502);
    expect(error.tag).toBe('source_fetch_error');
  });

  it('a stopped server is a 502, and the source recovers once it is back', async () => {
    await put('uploads/steady.jpg', fossa);
    await s3.stop();
    try {
      const error = await failure(resolve(source, 'steady.jpg'));
      expect(error.status).toBe(502);
      expect(error.tag).toBe('source_fetch_error');
      expect(error.message).toContain('unreachable');
      const digest = sha256(fossa);
      const openError = await failure(open(await resolve(source, `${digest}.jpg`)));
      expect(openError.status).toBe(502);
    } finally {
      await s3.start();
    }
    const resolved = await resolve(source, 'steady.jpg');
    const body = await open(resolved);
    expect(body.kind === 'bytes' && body.bytes.equals(fossa)).toBe(true);
  });

  it('the request signal aborts a slow S3 call with a 504', async () => {
    await put('uploads/slow.jpg', fossa);
    s3.delayNext(1, 5_000);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await failure(source.resolve('slow.jpg', controller.signal));
    clearTimeout(timer);
    expect(error.status).toBe(504);
    expect(error.tag).toBe('request_timeout');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('an already aborted signal fails open without reading', async () => {
    const digest = sha256(fossa);
    const resolved = await resolve(source, `${digest}.jpg`);
    const controller = new AbortController();
    controller.abort();
    const error = await failure(resolved.open({ signal: controller.signal, maxBytes: 10_000_000 }));
    expect(error.status).toBe(504);
  });
});

describe('the standard SDK chain (createS3Client)', () => {
  let saved: NodeJS.ProcessEnv;
  let envClient: S3Client;
  let envSource: Source;

  beforeAll(() => {
    saved = { ...process.env };
    Object.assign(process.env, s3.env());
    envClient = createS3Client({ forcePathStyle: true });
    envSource = createS3Source({ type: 's3', bucket: BUCKET, prefix: 'uploads/' }, { client: envClient });
  });
  afterAll(() => {
    envClient?.destroy();
    for (const key of Object.keys(s3.env())) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('takes endpoint, region and credentials from AWS_ENDPOINT_URL_S3 and friends', async () => {
    await put('uploads/env.png', alpha, { ContentType: 'image/png' });
    s3.resetRequests();
    const resolved = await resolve(envSource, 'env.png');
    expect(resolved.meta.size).toBe(alpha.length);
    expect(s3.requests).toHaveLength(1);
  });

  it('retries a throttled call once, not more (no retry storm)', async () => {
    await put('uploads/throttled.png', alpha);
    s3.resetRequests();
    s3.failNext(2, 503, 'SlowDown');
    const error = await failure(resolve(envSource, 'throttled.png'));
    expect(error.status).toBe(502);
    expect(s3.requests).toHaveLength(2);
    // One failure is absorbed by the retry.
    s3.resetRequests();
    s3.failNext(1, 503, 'SlowDown');
    const resolved = await resolve(envSource, 'throttled.png');
    expect(resolved.meta.size).toBe(alpha.length);
    expect(s3.requests).toHaveLength(2);
  });
});
