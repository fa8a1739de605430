import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { startS3Origin, type S3Origin } from '../support/s3-origin.js';
import type { S3TestServer } from '../support/s3-server.js';
import { startTestOrigin, tempDir } from '../support/origin.js';

/**
 * Originals go out only as the image their bytes are, with that content type, never inline as a
 * document; dotfiles are never reached; and every answer carries a sandboxing CSP and nosniff.
 */

const CSP = "default-src 'none'; sandbox";
const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.domain)</script></body></html>');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');

let jpeg: Buffer;
let png: Buffer;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly tag: string | null;
  readonly body: Buffer;
}

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return {
    status: response.status,
    headers: response.headers,
    tag: response.headers.get('x-image-cdn-error'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** A GET with the request target exactly as given (fetch would resolve the dot segments first). */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}/`, { path: target }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } });
  jpeg = await image.clone().jpeg().toBuffer();
  png = await image.clone().png().toBuffer();
});

describe('originals from S3 (over HTTP)', () => {
  let stack: S3Origin;
  let s3: S3TestServer;
  let origin: OriginServer;
  const get = (target: string, init?: RequestInit) => request(`${origin.url}${target}`, init);

  beforeAll(async () => {
    stack = await startS3Origin();
    ({ s3, origin } = stack);
    await stack.put('uploads/page.jpg', HTML, 'text/html');
    await stack.put('uploads/drawing.jpg', SVG, 'image/svg+xml');
    await stack.put('uploads/photo.jpg', png, 'image/jpeg');
    await stack.put('uploads/.env', Buffer.from('AWS_SECRET_ACCESS_KEY=do-not-serve'), 'text/plain');
    await stack.put('uploads/empty.jpg', Buffer.alloc(0), 'image/jpeg');
  });
  afterAll(() => stack?.close());
  beforeEach(() => s3.resetRequests());

  it('an object stored as text/html under a .jpg key is refused, not served as HTML', async () => {
    const answer = await get('/uploads/page.jpg');
    expect(answer.status).toBe(415);
    expect(answer.tag).toBe('unsupported_source_format');
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.body.toString()).toMatch(/HTML/);
    expect(answer.body.toString()).not.toMatch(/<script>/);
  });

  it('HEAD and conditional requests agree with GET', async () => {
    const inits: RequestInit[] = [{ method: 'HEAD' }, { headers: { 'if-none-match': '*' } }, { headers: { 'if-modified-since': new Date().toUTCString() } }];
    for (const init of inits) {
      const answer = await get('/uploads/page.jpg', init);
      expect(answer.status, JSON.stringify(init)).toBe(415);
      expect(answer.tag).toBe('unsupported_source_format');
    }
  });

  it('an SVG stored as image/svg+xml is refused while SVG is off', async () => {
    const answer = await get('/uploads/drawing.jpg');
    expect(answer.status).toBe(415);
    expect(answer.body.toString()).toMatch(/SVG sources are disabled/);
  });

  it('an image goes out with the content type of its bytes, not the stored one', async () => {
    const answer = await get('/uploads/photo.jpg');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    expect(answer.body.equals(png)).toBe(true);
    const head = await get('/uploads/photo.jpg', { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('etag')).toBe(answer.headers.get('etag'));
  });

  it('sniffing a HEAD costs one ranged GET the first time, and nothing more after', async () => {
    await stack.put('uploads/fresh.jpg', jpeg, 'image/jpeg');
    s3.resetRequests();
    expect((await get('/uploads/fresh.jpg', { method: 'HEAD' })).status).toBe(200);
    expect(s3.requests.map((r) => [r.method, r.headers.range ?? ''])).toEqual([
      ['HEAD', ''],
      ['GET', 'bytes=0-4095'],
    ]);
    s3.resetRequests();
    expect((await get('/uploads/fresh.jpg', { method: 'HEAD' })).status).toBe(200);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('an empty object is refused as empty', async () => {
    for (const init of [{}, { method: 'HEAD' }] as RequestInit[]) {
      const answer = await get('/uploads/empty.jpg', init);
      expect(answer.status).toBe(415);
      if (!init.method) expect(answer.body.toString()).toMatch(/empty/);
    }
  });

  it('a dotfile under the prefix is refused before S3 is asked', async () => {
    const answer = await get('/uploads/.env');
    expect(answer.status).toBe(400);
    expect(answer.tag).toBe('source_forbidden');
    expect(answer.body.toString()).not.toMatch(/SECRET/);
    expect(s3.requests).toHaveLength(0);
  });
});

describe('originals from files', () => {
  const root = tempDir('image-cdn-originals-');
  const file = (name: string, contents: string | Buffer) => {
    mkdirSync(path.dirname(path.join(root.dir, name)), { recursive: true });
    writeFileSync(path.join(root.dir, name), contents);
  };
  let origin: OriginServer;
  let svgOrigin: OriginServer;
  const get = (target: string, init?: RequestInit) => request(`${origin.url}${target}`, init);

  beforeAll(async () => {
    file('photo.jpg', jpeg);
    file('page.jpg', HTML);
    file('notes.txt', 'plain text');
    file('drawing.svg', SVG);
    file('broken.png', 'not a png at all');
    file('.env', 'SECRET=1');
    file('.git/config', '[core]\n\trepositoryformatversion = 0\n');
    file('albums/.hidden/photo.jpg', jpeg);
    file('.secret.jpg', jpeg);
    symlinkSync('.secret.jpg', path.join(root.dir, 'alias.jpg'));
    origin = await startTestOrigin({}, root.dir);
    svgOrigin = await startTestOrigin({ svg: { enabled: true, maxBytes: 262_144, maxElements: 5_000 } }, root.dir);
  });
  afterAll(async () => {
    await origin?.close();
    await svgOrigin?.close();
    root.remove();
  });

  it.each(['/page.jpg', '/notes.txt', '/broken.png'])('%s is no image: 415 for GET and HEAD', async (target) => {
    for (const method of ['GET', 'HEAD']) {
      const answer = await get(target, { method });
      expect(answer.status, method).toBe(415);
      expect(answer.tag).toBe('unsupported_source_format');
    }
  });

  it('an SVG original is refused while SVG is off, and a download when it is on', async () => {
    expect((await get('/drawing.svg')).status).toBe(415);
    for (const method of ['GET', 'HEAD']) {
      const answer = await request(`${svgOrigin.url}/drawing.svg`, { method });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/svg+xml');
      expect(answer.headers.get('content-disposition')).toBe('attachment');
      expect(answer.headers.get('content-security-policy')).toBe(CSP);
    }
  });

  it('HEAD, GET and a revalidation of an image agree', async () => {
    const full = await get('/photo.jpg');
    const head = await get('/photo.jpg', { method: 'HEAD' });
    expect(full.status).toBe(200);
    expect(full.body.equals(jpeg)).toBe(true);
    for (const name of ['etag', 'content-type', 'content-length', 'cache-control', 'last-modified']) {
      expect(head.headers.get(name), name).toBe(full.headers.get(name));
    }
    expect((await get('/photo.jpg', { headers: { 'if-none-match': full.headers.get('etag')! } })).status).toBe(304);
  });

  it.each([
    '/.env',
    '/.git/config',
    '/albums/.hidden/photo.jpg',
    '/.secret.jpg',
    '/alias.jpg',
    '/cdn-cgi/image/width=4/.git/config',
    '/cdn-cgi/image/width=4/.secret.jpg',
    '/cdn-cgi/image/width=4/%2Esecret.jpg',
  ])('%s is refused: no dotfile, dot-directory or symlink to one', async (target) => {
    const answer = await get(target);
    expect(answer.status).toBe(400);
    expect(answer.tag).toBe('source_forbidden');
    expect(answer.body.toString()).toMatch(/hidden path segment/);
  });

  it.each(['/../etc/passwd', '/%2e%2e/etc/passwd', '/albums/%2e%2e/%2e%2e/etc/passwd', '/cdn-cgi/image/width=4/..%2F..%2Fetc%2Fpasswd'])(
    '%s, sent as is, still never escapes the root',
    async (target) => {
      const answer = await rawGet(origin.url, target);
      expect(answer.status).toBe(400);
      expect(answer.body).not.toMatch(/root:/);
    },
  );

  it('every kind of answer carries the sandboxing CSP and nosniff', async () => {
    const transform = await get('/cdn-cgi/image/width=4,format=png/photo.jpg');
    const answers: Record<string, Answer> = {
      'original 200': await get('/photo.jpg'),
      'original HEAD': await get('/photo.jpg', { method: 'HEAD' }),
      'original 304': await get('/photo.jpg', { headers: { 'if-none-match': (await get('/photo.jpg')).headers.get('etag')! } }),
      'transform 200': transform,
      'transform 304': await get('/cdn-cgi/image/width=4,format=png/photo.jpg', { headers: { 'if-none-match': transform.headers.get('etag')! } }),
      'redirect 302': await get('/cdn-cgi/image/width=4,onerror=redirect/broken.png'),
      'error 404': await get('/missing.jpg'),
      'error 415': await get('/page.jpg'),
      'error 400': await get('/cdn-cgi/image/width=nope/photo.jpg'),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.status, name).toBe(Number(/\d{3}/.exec(name)?.[0] ?? 200));
      expect(answer.headers.get('content-security-policy'), name).toBe(CSP);
      expect(answer.headers.get('x-content-type-options'), name).toBe('nosniff');
    }
  });
});
