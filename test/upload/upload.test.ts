import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contentAddressedKey, putImage, putImages, UploadError } from '../../lib/upload/index.js';
import { createS3Source } from '../../origin/src/sources/s3.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
const sample = (name: string) => path.join(SAMPLES, name);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const BUCKET = 'uploads-test';

let s3: S3TestServer;
let client: S3Client;
let dir: string;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  client = s3.client();
  dir = mkdtempSync(path.join(tmpdir(), 'image-cdn-upload-'));
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => s3.resetRequests());

const puts = () => s3.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');

describe('putImages', () => {
  it('stores each image at <prefix><sha256>.<ext> with its type and an immutable Cache-Control', async () => {
    const files = [sample('fossa.jpg'), sample('alpha.png'), sample('animated.gif')];
    const results = await putImages(files, { bucket: BUCKET, client });
    expect(results.map((r) => [r.file, r.key, r.contentType, r.uploaded])).toEqual([
      [files[0], `uploads/${sha256(readFileSync(files[0]!))}.jpg`, 'image/jpeg', true],
      [files[1], `uploads/${sha256(readFileSync(files[1]!))}.png`, 'image/png', true],
      [files[2], `uploads/${sha256(readFileSync(files[2]!))}.gif`, 'image/gif', true],
    ]);
    for (const result of results) {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      expect(body.equals(readFileSync(result.file))).toBe(true);
      expect(object.ContentType).toBe(result.contentType);
      expect(object.CacheControl).toBe('public, max-age=31536000, immutable');
      expect(result.sha256).toBe(sha256(body));
      expect(result.size).toBe(body.length);
    }
  });

  it('is idempotent: a second run only checks, and uploads nothing', async () => {
    const files = [sample('kleiber.jpg'), sample('oriented-6.jpg')];
    const first = await putImages(files, { bucket: BUCKET, client });
    expect(first.every((r) => r.uploaded)).toBe(true);
    s3.resetRequests();
    const second = await putImages(files, { bucket: BUCKET, client });
    expect(second.map((r) => r.uploaded)).toEqual([false, false]);
    expect(second.map((r) => r.key)).toEqual(first.map((r) => r.key));
    expect(puts()).toHaveLength(0);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('names the key by the real format, not the file name', async () => {
    const disguised = path.join(dir, 'photo.png');
    writeFileSync(disguised, readFileSync(sample('fossa.jpg')));
    const result = await putImage(disguised, { bucket: BUCKET, client, prefix: 'media' });
    expect(result.key).toMatch(/^media\/[0-9a-f]{64}\.jpg$/);
    expect(result.contentType).toBe('image/jpeg');
  });

  it('detects WebP, AVIF and TIFF', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } });
    const inputs = [
      { name: 'a.webp', bytes: await base.clone().webp().toBuffer(), ext: 'webp', type: 'image/webp' },
      { name: 'a.avif', bytes: await base.clone().avif().toBuffer(), ext: 'avif', type: 'image/avif' },
      { name: 'a.tiff', bytes: await base.clone().tiff().toBuffer(), ext: 'tif', type: 'image/tiff' },
    ];
    const results = await putImages(inputs, { bucket: BUCKET, client, prefix: 'gen/' });
    expect(results.map((r) => [r.key.split('.').pop(), r.contentType])).toEqual(inputs.map((i) => [i.ext, i.type]));
  });

  it('accepts bytes with a name (an app handling an upload form)', async () => {
    const bytes = readFileSync(sample('alpha.png'));
    const result = await putImage({ name: 'avatar from form', bytes }, { bucket: BUCKET, client });
    expect(result).toMatchObject({ file: 'avatar from form', key: `uploads/${sha256(bytes)}.png`, size: bytes.length });
    expect(await contentAddressedKey(bytes)).toBe(result.key);
  });

  it('refuses a batch with a non-image before uploading any of it', async () => {
    const text = path.join(dir, 'notes.jpg');
    writeFileSync(text, 'this is not an image');
    const fresh = sharp({ create: { width: 3, height: 3, channels: 3, background: '#010203' } });
    const freshPng = path.join(dir, 'fresh.png');
    await fresh.png().toFile(freshPng);
    const error = await putImages([freshPng, text], { bucket: BUCKET, client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect((error as Error).message).toBe(`${text} is not an image (sharp cannot read its format)`);
    expect(s3.requests).toHaveLength(0);
  });

  it('refuses missing and empty files, naming them', async () => {
    const empty = path.join(dir, 'empty.png');
    writeFileSync(empty, '');
    await expect(putImages([path.join(dir, 'absent.jpg')], { bucket: BUCKET, client })).rejects.toThrow(/cannot read .*absent\.jpg: ENOENT/);
    await expect(putImages([empty], { bucket: BUCKET, client })).rejects.toThrow(`${empty} is empty`);
    await expect(putImage({ name: 'blank', bytes: new Uint8Array() }, { bucket: BUCKET, client })).rejects.toThrow('blank is empty');
    expect(s3.requests).toHaveLength(0);
  });

  it('replaces an object at its key whose size is wrong (an interrupted or foreign write)', async () => {
    const bytes = readFileSync(sample('oriented-6.jpg'));
    const key = `broken/${sha256(bytes)}.jpg`;
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes.subarray(0, 100) }));
    const result = await putImage(sample('oriented-6.jpg'), { bucket: BUCKET, client, prefix: 'broken/' });
    expect(result.uploaded).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ContentLength).toBe(bytes.length);
  });

  it('sends a large image in parts (multipart upload)', async () => {
    // Random pixels do not compress: a ~12 MB PNG, over the 8 MB part size.
    const raw = Buffer.alloc(2000 * 2000 * 3);
    for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, i);
    const bytes = await sharp(raw.subarray(0, 2000 * 2000 * 3), { raw: { width: 2000, height: 2000, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    const result = await putImage({ name: 'noise.png', bytes }, { bucket: BUCKET, client });
    expect(result.uploaded).toBe(true);
    expect(s3.requests.some((r) => r.method === 'POST' && r.url.includes('?uploads'))).toBe(true);
    expect(s3.requests.filter((r) => r.url.includes('partNumber=')).length).toBeGreaterThanOrEqual(2);
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: result.key }));
    expect(sha256(Buffer.from(await object.Body!.transformToByteArray()))).toBe(result.sha256);
  });

  it('an unreachable S3 is an UploadError naming the key', async () => {
    await s3.stop();
    try {
      const error = await putImage(sample('alpha.png'), { bucket: BUCKET, client, prefix: 'down/' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadError);
      expect((error as Error).message).toMatch(/^checking s3:\/\/uploads-test\/down\/[0-9a-f]{64}\.png failed: ECONNREFUSED/);
    } finally {
      await s3.start();
    }
  });
});

describe('uploads are served by the S3 source with one S3 request for metadata per key', () => {
  it('an uploaded key resolves as content-addressed and opens to the same bytes, verified', async () => {
    const result = await putImage(sample('kleiber.jpg'), { bucket: BUCKET, client });
    const source = createS3Source({ type: 's3', bucket: BUCKET, verifyDigest: true }, { client });
    s3.resetRequests();
    // First sight checks the key exists; from then on it is known and costs no request.
    await source.resolve(result.key, new AbortController().signal);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
    s3.resetRequests();
    const resolved = await source.resolve(result.key, new AbortController().signal);
    expect(s3.requests).toHaveLength(0);
    expect(resolved.meta).toMatchObject({ etagSeed: result.sha256, immutable: true, contentType: 'image/jpeg' });
    const body = await resolved.open({ signal: new AbortController().signal, maxBytes: 10_000_000 });
    expect(body.kind === 'bytes' && sha256(body.bytes)).toBe(result.sha256);
  });
});
