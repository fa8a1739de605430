/**
 * What the container runs, without a container engine: the container asset (origin/container,
 * with the bundle `npm run build` made) is copied to a temp directory outside the repository and
 * gets the production install its Dockerfile does, from its own lockfile; then `node
 * bundle/main.js` serves real transforms and exits 0 on SIGTERM, both from a file root and from S3
 * configured the way the ECS task configures it.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installContainerAsset, killIfRunning, type RunningContainer, startContainerBundle, stopWithSigterm } from '../../support/container.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';

const repository = path.resolve(import.meta.dirname, '../../..');

let workdir: string;
let sharpVersion: string;
let s3: S3TestServer;
let photo: Buffer;
const origins: RunningContainer[] = [];
let fileOrigin: RunningContainer;
let s3Origin: RunningContainer;

const startBundle = async (directory: string, settings: Record<string, string>) => {
  const origin = await startContainerBundle(directory, settings);
  origins.push(origin);
  return origin;
};

beforeAll(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-bundle-'));
  const app = path.join(workdir, 'app');
  const images = path.join(workdir, 'images');
  await mkdir(images);
  await cp(path.join(repository, 'origin/container'), app, { recursive: true, filter: (source) => !source.includes('node_modules') });
  const lock = JSON.parse(await readFile(path.join(repository, 'package-lock.json'), 'utf8'));
  sharpVersion = lock.packages['node_modules/sharp'].version;
  await installContainerAsset(app);

  const pixels = Buffer.alloc(800 * 600 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
  photo = await sharp(pixels, { raw: { width: 800, height: 600, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(path.join(images, 'photo.jpg'), photo);

  s3 = await startS3Server({ buckets: ['sources'] });
  await s3.client().send(new PutObjectCommand({ Bucket: 'sources', Key: 'uploads/photo.jpg', Body: photo, ContentType: 'image/jpeg' }));

  fileOrigin = await startBundle(app, { IMAGE_CDN_FILE_ROOT: images });
  // The settings ImageOriginService gives the task, plus the local S3 endpoint and its credentials.
  s3Origin = await startBundle(app, {
    ...s3.env(),
    IMAGE_CDN_S3_BUCKET: 'sources',
    IMAGE_CDN_S3_PREFIX: 'uploads/',
    IMAGE_CDN_S3_FORCE_PATH_STYLE: 'true',
    IMAGE_CDN_REQUEST_TIMEOUT_MS: '10000',
    NODE_ENV: 'production',
  });
}, 180_000);

afterAll(async () => {
  for (const origin of origins) await killIfRunning(origin.child);
  await s3?.close();
  await rm(workdir, { recursive: true, force: true });
});

describe('the bundled origin', () => {
  it('is one ESM file that leaves only sharp to node_modules, pinned by the asset lockfile to the repository sharp', async () => {
    const app = path.join(workdir, 'app');
    expect(JSON.parse(await readFile(path.join(app, 'bundle', 'package.json'), 'utf8')).type).toBe('module');
    const assetLock = JSON.parse(await readFile(path.join(app, 'package-lock.json'), 'utf8'));
    expect(assetLock.packages['node_modules/sharp'].version).toBe(sharpVersion);
    expect(JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')).dependencies).toEqual({ sharp: sharpVersion });
    expect((await readdir(path.join(app, 'node_modules'))).sort()).toEqual(expect.arrayContaining(['@img', 'sharp']));
    const installed = JSON.parse(await readFile(path.join(app, 'node_modules', 'sharp', 'package.json'), 'utf8'));
    expect(installed.version).toBe(sharpVersion);
    const platformPackages = await readdir(path.join(app, 'node_modules', '@img'));
    expect(platformPackages).toContain(`sharp-${process.platform}-${process.arch}`);
    const bundle = await readFile(path.join(app, 'bundle', 'main.js'), 'utf8');
    // Whole-bundle matches report a boolean: a failure message holding 1.5 MB of bundle helps nobody.
    expect(/from\s*"sharp"/.test(bundle), 'sharp is imported from node_modules').toBe(true);
    expect(/from\s*"(pino|prom-client|@aws-sdk\/[a-z-]+)"/.test(bundle), 'nothing else is left external').toBe(false);
  });

  it('answers /healthz with the sharp it loaded from beside the bundle', async () => {
    const response = await fetch(`${fileOrigin.url}/healthz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; versions: { sharp: string } };
    expect(body.status).toBe('ok');
    expect(body.versions.sharp).toBe(sharpVersion);
  });

  it('resizes a real JPEG into WebP', async () => {
    const response = await fetch(`${fileOrigin.url}/cdn-cgi/image/width=200,format=webp/photo.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 200, 150]);
  });

  it('negotiates AVIF from Accept for format=auto', async () => {
    const response = await fetch(`${fileOrigin.url}/cdn-cgi/image/format=auto,width=320/photo.jpg`, { headers: { accept: 'image/avif,image/webp' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/avif');
    expect(response.headers.get('vary')).toMatch(/accept/i);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(4, 12).toString('latin1')).toBe('ftypavif');
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it('rejects a bad option with a tagged 400', async () => {
    const response = await fetch(`${fileOrigin.url}/cdn-cgi/image/width=banana/photo.jpg`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-image-cdn-error')).toBe('invalid_option');
  });

  it('serves S3 sources under the prefix, configured by environment as on ECS', async () => {
    const response = await fetch(`${s3Origin.url}/cdn-cgi/image/width=100,format=webp/photo.jpg`);
    expect(response.status).toBe(200);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 100, 75]);
    expect(s3.requests.some((request) => request.url.startsWith('/sources/uploads/photo.jpg'))).toBe(true);
    const missing = await fetch(`${s3Origin.url}/cdn-cgi/image/width=100/absent.jpg`);
    expect(missing.status).toBe(404);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    expect(await stopWithSigterm(fileOrigin.child)).toEqual({ code: 0, signal: null });
    expect(await stopWithSigterm(s3Origin.child)).toEqual({ code: 0, signal: null });
  });
});
