/**
 * The playground's server side (origin/src/playground): on for `serve`, off for the container and
 * the handler unless asked; a page that loads nothing from elsewhere; read-only JSON calls under
 * the origin's own limits, signing and path confinement; signatures made on the server only.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../../../bin/commands/serve-config.js';
import { resolveConfig, settingsFromEnv } from '../../../origin/src/config.js';
import { defaultConfig } from '../../../origin/src/defaults.js';
import { ERROR_TAG_HEADER } from '../../../origin/src/http/error-response.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { createImageHandler } from '../../../origin/src/image-handler.js';
import { PLAYGROUND_CSP } from '../../../origin/src/playground/responses.js';
import { startCliOrigin } from '../../support/cli-origin.js';
import { REPO, SAMPLES, startTestOrigin, tempDir } from '../../support/origin.js';
import { startS3Origin } from '../../support/s3-origin.js';

const PAGE_FOLDER = path.join(REPO, 'origin/src/playground/page');
const SAMPLE_IMAGES = ['alpha.png', 'animated.gif', 'fossa.jpg', 'kleiber.jpg', 'oriented-6.jpg'];
const KEY = 'playground-test-signing-key-0123456789';
const PNG = readFileSync(path.join(SAMPLES, 'alpha.png'));

/** A JSON call's answer; its body as parsed (the tests read what they expect of it). */

const json = async (url: string): Promise<{ status: number; tag: string | null; body: any }> => {
  const response = await fetch(url);
  return { status: response.status, tag: response.headers.get(ERROR_TAG_HEADER), body: response.ok ? await response.json() : await response.text() };
};

describe('on for serve, off for the container and the handler unless asked', () => {
  const serve = (flags = {}, env: NodeJS.ProcessEnv = {}) => serveConfig({ flags, env, samplesDir: SAMPLES }).playground;

  it('serve: on by default, --no-playground, IMAGE_CDN_PLAYGROUND or a config file turn it off', () => {
    expect(serve()).toBe(true);
    expect(serve({ playground: false })).toBe(false);
    expect(serve({}, { IMAGE_CDN_PLAYGROUND: 'no' })).toBe(false);
    expect(serveConfig({ flags: {}, env: {}, file: { playground: false }, samplesDir: SAMPLES }).playground).toBe(false);
  });

  it('serve: off by default when signing is required, on only when asked; on with optional signing', () => {
    expect(serve({ signingKeys: [KEY] })).toBe(false);
    expect(serve({ signingKeys: [KEY], playground: true })).toBe(true);
    expect(serve({ signingKeys: [KEY] }, { IMAGE_CDN_PLAYGROUND: 'yes' })).toBe(true);
    expect(serve({ signingKeys: [KEY], signingMode: 'optional' })).toBe(true);
  });

  it('the container (configured from the environment alone) and the handler: off unless asked', async () => {
    const container = (env: NodeJS.ProcessEnv) => resolveConfig({ defaults: { ...defaultConfig(), host: '0.0.0.0' } }, settingsFromEnv(env)).playground;
    expect(container({})).toBe(false);
    expect(container({ IMAGE_CDN_PLAYGROUND: 'true' })).toBe(true);
    const handler = createImageHandler({ root: SAMPLES, logger: false });
    const asked = createImageHandler({ root: SAMPLES, logger: false, playground: true });
    await Promise.all([handler.ready, asked.ready]);
    expect((await handler.fetch(new Request('http://handler/'))).status).toBe(404);
    expect((await asked.fetch(new Request('http://handler/'))).headers.get('content-type')).toBe('text/html; charset=utf-8');
    await Promise.all([handler.close(), asked.close()]);
  });

  it('image-cdn serve prints the playground and serves it at /; --no-playground leaves / unrouted', async () => {
    const on = await startCliOrigin([]);
    const off = await startCliOrigin(['--no-playground']);
    try {
      expect((await fetch(`${on.url}/`)).headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
      const unrouted = await fetch(`${off.url}/`);
      expect([unrouted.status, unrouted.headers.get(ERROR_TAG_HEADER)]).toEqual([404, 'not_found']);
    } finally {
      await Promise.all([on.stop(), off.stop()]);
    }
  });
});

describe('the page', () => {
  let origin: OriginServer;
  beforeAll(async () => {
    origin = await startTestOrigin({ playground: true });
  });
  afterAll(() => origin?.close());

  it('is served at / with a CSP that allows this origin only, and no inline script or style', async () => {
    const response = await fetch(`${origin.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
    expect(PLAYGROUND_CSP).toContain("default-src 'none'");
    expect(PLAYGROUND_CSP).not.toMatch(/unsafe-|https?:|\*|data:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
  });

  it('names nothing on another origin in any of its files', async () => {
    const names = [...readdirSync(PAGE_FOLDER), 'model.js'];
    for (const name of names) {
      const response = await fetch(`${origin.url}/.playground/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-security-policy'), name).toBe(PLAYGROUND_CSP);
      expect(await response.text(), name).not.toMatch(/(?:src|href|url|import|from|fetch)\s*[=(]?\s*["'`](?:https?:)?\/\//i);
    }
  });

  it("serves the model with the origin's own codecs, and nothing outside its folder", async () => {
    const model = await (await fetch(`${origin.url}/.playground/model.js`)).text();
    expect(model).toContain('export {');
    expect(model).toContain('unknown option');
    for (const target of ['/.playground/../package.json', '/.playground/%2e%2e/package.json', '/.playground/api/nothing', '/.playground/here.cjs']) {
      expect((await fetch(`${origin.url}${target}`)).status, target).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers HEAD without a body, and refuses other methods as the origin does', async () => {
    const head = await fetch(`${origin.url}/`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await fetch(`${origin.url}/`, { method: 'POST' });
    expect([post.status, post.headers.get(ERROR_TAG_HEADER)]).toEqual([405, 'method_not_allowed']);
  });

  it('says what the page needs to know, and no more', async () => {
    const { body } = await json(`${origin.url}/.playground/api/config`);
    expect(body).toEqual({
      grammars: ['cloudflare'],
      imagekitEndpoint: '/',
      cacheTagHeader: null,
      signing: 'none',
      onlyVariants: false,
      variants: {},
      mounts: [{ prefix: '/', kind: 'file' }],
      pageSize: 24,
    });
    expect(JSON.stringify(body)).not.toContain(SAMPLES);
  });

  it('lists the samples, with their bytes and thumbnails the origin serves', async () => {
    const { body } = await json(`${origin.url}/.playground/api/sources?mount=0`);
    expect(body.entries.map((entry: { path: string }) => entry.path)).toEqual(SAMPLE_IMAGES);
    expect(body.total).toBe(5);
    expect(body.next).toBeUndefined();
    for (const entry of body.entries) {
      expect(entry.bytes).toBe(readFileSync(path.join(SAMPLES, entry.path)).length);
      expect(entry.thumbnail).toBe(`/cdn-cgi/image/fit=cover,format=auto,height=160,width=160/${entry.path}`);
      const thumbnail = await fetch(`${origin.url}${entry.thumbnail}`);
      expect([thumbnail.status, thumbnail.headers.get('content-type')?.startsWith('image/')]).toEqual([200, true]);
      await thumbnail.arrayBuffer();
    }
  });

  it('refuses a mount that is not there, a cursor it did not give and a URL past the limit', async () => {
    expect(await json(`${origin.url}/.playground/api/sources?mount=3`)).toMatchObject({ status: 400, tag: 'invalid_option' });
    expect(await json(`${origin.url}/.playground/api/sources?cursor=-1`)).toMatchObject({ status: 400, tag: 'invalid_option' });
    expect(await json(`${origin.url}/.playground/api/sources?x=${'a'.repeat(9_000)}`)).toMatchObject({ status: 414, tag: 'uri_too_long' });
  });
});

describe('the gallery shows what an image URL could reach, a page at a time', () => {
  const dir = tempDir('image-cdn-playground-');
  let origin: OriginServer;

  beforeAll(async () => {
    const root = path.join(dir.dir, 'root');
    const outside = path.join(dir.dir, 'outside');
    for (const folder of [root, outside, path.join(root, 'sub'), path.join(root, '.git'), path.join(root, 'shadowed')]) mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 28; i++) writeFileSync(path.join(root, `img-${String(i).padStart(2, '0')}.png`), PNG);
    writeFileSync(path.join(root, 'sub', 'nested.png'), PNG);
    writeFileSync(path.join(root, 'shadowed', 'hidden-by-mount.png'), PNG);
    writeFileSync(path.join(root, '.secret.png'), PNG);
    writeFileSync(path.join(root, '.git', 'inside.png'), PNG);
    writeFileSync(path.join(root, 'notes.txt'), 'not an image');
    writeFileSync(path.join(outside, 'escape.png'), PNG);
    symlinkSync(path.join(outside, 'escape.png'), path.join(root, 'escape.png'));
    origin = await startTestOrigin({
      playground: true,
      mounts: [
        { prefix: '/', source: { type: 'file', root } },
        { prefix: '/shadowed/', source: { type: 'file', root: outside } },
      ],
    });
  });
  afterAll(async () => {
    await origin?.close();
    dir.remove();
  });

  it('pages through the files the file source serves: no dotfiles, nothing outside the root, nothing another mount shadows', async () => {
    const first = (await json(`${origin.url}/.playground/api/sources?mount=0`)).body;
    // A page is 24 listed names; the symlink out of the root is one of them, and the origin refuses it.
    expect(first.entries).toHaveLength(23);
    expect(first.next).toBe('24');
    const second = (await json(`${origin.url}/.playground/api/sources?mount=0&cursor=${first.next}`)).body;
    expect(second.next).toBeUndefined();
    const listed = [...first.entries, ...second.entries].map((entry: { path: string }) => entry.path);
    expect(listed).toEqual([...Array.from({ length: 28 }, (_, i) => `img-${String(i).padStart(2, '0')}.png`), 'sub/nested.png']);
    // Listed as candidates (31 image names), served by the origin: 29.
    expect(first.total).toBe(31);
    expect((await fetch(`${origin.url}/escape.png`)).status).toBe(400);
  });

  it('lists the other mount under its own prefix', async () => {
    const { body } = await json(`${origin.url}/.playground/api/sources?mount=1`);
    expect(body.entries.map((entry: { path: string }) => entry.path)).toEqual(['shadowed/escape.png']);
  });
});

describe('an S3 mount', () => {
  it('is listed under its key prefix, through the S3 source, hidden keys left out', async () => {
    const s3 = await startS3Origin({ playground: true });
    try {
      await s3.put('uploads/photo.png', PNG, 'image/png');
      await s3.put('uploads/sub/deeper.png', PNG, 'image/png');
      await s3.put('uploads/.private/secret.png', PNG, 'image/png');
      await s3.put('elsewhere/outside.png', PNG, 'image/png');
      const { body } = await json(`${s3.origin.url}/.playground/api/sources?mount=0`);
      expect(body.entries).toEqual([
        { path: 'uploads/photo.png', bytes: PNG.length, thumbnail: '/cdn-cgi/image/fit=cover,format=auto,height=160,width=160/uploads/photo.png' },
        { path: 'uploads/sub/deeper.png', bytes: PNG.length, thumbnail: '/cdn-cgi/image/fit=cover,format=auto,height=160,width=160/uploads/sub/deeper.png' },
      ]);
      expect((await fetch(`${s3.origin.url}${body.entries[0].thumbnail}`)).status).toBe(200);
    } finally {
      await s3.close();
    }
  });
});

describe('with signing required (the playground asked for, with a key)', () => {
  let origin: OriginServer;
  const sign = (target: string) => json(`${origin.url}/.playground/api/sign?url=${encodeURIComponent(target)}`);

  beforeAll(async () => {
    origin = await startTestOrigin({ playground: true, signing: { keys: [KEY, 'an-older-key-still-verifying'], mode: 'required', exemptVariants: false } });
  });
  afterAll(() => origin?.close());

  it('signs on the server: the signed URL is served, the unsigned one is not, and no answer carries the key', async () => {
    const target = '/cdn-cgi/image/width=300,format=webp/fossa.jpg';
    expect((await fetch(`${origin.url}${target}`)).status).toBe(401);
    const signed = await sign(target);
    expect(signed.status).toBe(200);
    expect(signed.body.url).toMatch(/^\/cdn-cgi\/image\/width=300,format=webp\/fossa\.jpg\?expires=\d+&sig=[\w-]+$/);
    const image = await fetch(`${origin.url}${signed.body.url}`);
    expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/webp']);

    const config = await json(`${origin.url}/.playground/api/config`);
    expect(config.body.signing).toBe('server');
    const sources = await json(`${origin.url}/.playground/api/sources`);
    const answers = [JSON.stringify(config.body), JSON.stringify(sources.body), JSON.stringify(signed.body)];
    for (const name of [...readdirSync(PAGE_FOLDER), 'model.js', 'index.html']) answers.push(await (await fetch(`${origin.url}/.playground/${name}`)).text());
    for (const answer of answers) expect(answer).not.toContain(KEY);
  });

  it('signs the thumbnails it lists', async () => {
    const { body } = await json(`${origin.url}/.playground/api/sources`);
    for (const entry of body.entries) {
      expect(entry.thumbnail).toMatch(/\?expires=\d+&sig=/);
      const thumbnail = await fetch(`${origin.url}${entry.thumbnail}`);
      expect(thumbnail.status).toBe(200);
      await thumbnail.arrayBuffer();
    }
  });

  it('signs only what the origin would serve: a source under a mount, a URL the grammars read', async () => {
    expect(await sign('/cdn-cgi/image/width=300/../package.json')).toMatchObject({ status: 400, tag: 'source_forbidden' });
    expect(await sign('/cdn-cgi/image/width=300/.env')).toMatchObject({ status: 400, tag: 'source_forbidden' });
    expect(await sign('/cdn-cgi/image/width=300/https://example.com/a.jpg')).toMatchObject({ status: 400, tag: 'source_forbidden' });
    expect(await sign('/cdn-cgi/image/width=300/missing.jpg')).toMatchObject({ status: 404, tag: 'source_not_found' });
    expect(await sign('/cdn-cgi/image/width=0/fossa.jpg')).toMatchObject({ status: 400, tag: 'invalid_option' });
    expect(await sign('//example.com/fossa.jpg')).toMatchObject({ status: 400, tag: 'malformed_url' });
    expect(await sign('/cdn-cgi/image/width=300/fossa.jpg?sig=x')).toMatchObject({ status: 400 });
  });

  it('signs nothing where signatures are optional', async () => {
    const optional = await startTestOrigin({ playground: true, signing: { keys: [KEY], mode: 'optional', exemptVariants: false } });
    try {
      expect((await json(`${optional.url}/.playground/api/config`)).body.signing).toBe('optional');
      expect((await json(`${optional.url}/.playground/api/sign?url=%2Ffossa.jpg`)).status).toBe(404);
    } finally {
      await optional.close();
    }
  });
});
