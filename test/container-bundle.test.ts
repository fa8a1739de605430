/**
 * What the container runs, without a container engine: origin/bundle.ts builds the same bundle
 * the Dockerfile builds, into a temp directory outside the repository; sharp gets a production
 * npm install next to it (from the local npm cache: --offline, falling back to
 * --prefer-offline); then `node main.js` serves real transforms and exits 0 on SIGTERM, both
 * from a file root and from S3 configured the way the ECS task configures it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from './support/s3-server.js';

const run = promisify(execFile);
const repository = path.resolve(import.meta.dirname, '..');

let workdir: string;
let sharpVersion: string;
let s3: S3TestServer;
let photo: Buffer;
const origins: ChildProcess[] = [];
let fileOrigin: { child: ChildProcess; url: string };
let s3Origin: { child: ChildProcess; url: string };

async function installSharp(directory: string, version: string): Promise<string> {
  const args = ['install', '--omit=dev', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `sharp@${version}`];
  try {
    await run('npm', [...args, '--offline'], { cwd: directory });
    return 'offline';
  } catch {
    await run('npm', [...args, '--prefer-offline'], { cwd: directory });
    return 'prefer-offline';
  }
}

/** Starts the bundle with only the given settings (as a container would get them); resolves once it listens. */
async function startBundle(directory: string, settings: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['main.js'], {
    cwd: directory,
    env: { PATH: process.env.PATH ?? '', HOME: directory, HOST: '127.0.0.1', PORT: '0', MALLOC_ARENA_MAX: '2', ...settings },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  origins.push(child);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin did not start:\n${stderr}`)), 30_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { child, url };
}

async function stopWithSigterm(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const [code, signal] = await Promise.race([
    exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 15 s of SIGTERM')), 15_000)),
  ]);
  return { code, signal };
}

beforeAll(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-bundle-'));
  const app = path.join(workdir, 'app');
  const images = path.join(workdir, 'images');
  await mkdir(images);
  await run(process.execPath, ['--import', 'tsx', 'origin/bundle.ts', app], { cwd: repository });

  const lock = JSON.parse(await readFile(path.join(repository, 'package-lock.json'), 'utf8'));
  sharpVersion = lock.packages['node_modules/sharp'].version;
  await installSharp(app, sharpVersion);

  const pixels = Buffer.alloc(800 * 600 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
  photo = await sharp(pixels, { raw: { width: 800, height: 600, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
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
  for (const child of origins) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  await s3?.close();
  await rm(workdir, { recursive: true, force: true });
});

describe('the bundled origin', () => {
  it('is one ESM file that leaves only sharp to node_modules', async () => {
    const app = path.join(workdir, 'app');
    expect(JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')).type).toBe('module');
    expect((await readdir(path.join(app, 'node_modules'))).sort()).toEqual(expect.arrayContaining(['@img', 'sharp']));
    const installed = JSON.parse(await readFile(path.join(app, 'node_modules', 'sharp', 'package.json'), 'utf8'));
    expect(installed.version).toBe(sharpVersion);
    const platformPackages = await readdir(path.join(app, 'node_modules', '@img'));
    expect(platformPackages).toContain(`sharp-${process.platform}-${process.arch}`);
    const bundle = await readFile(path.join(app, 'main.js'), 'utf8');
    expect(bundle).toMatch(/from "sharp"/);
    expect(bundle).not.toMatch(/from "(pino|prom-client|@aws-sdk\/[a-z-]+)"/);
  });

  it('answers /healthz with the sharp it loaded from beside the bundle', async () => {
    const response = await fetch(`${fileOrigin.url}/healthz`);
    expect(response.status).toBe(200);
    const body = await response.json() as { status: string; versions: { sharp: string } };
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
