/**
 * createImageHandler as an embedding app meets it: options named as in the config file, checked
 * at creation with errors that name the bad value, the origin's defaults, and the AWS SDK loaded
 * only for S3 (an optional peer: a file-only app runs without it installed).
 */
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../origin/src/defaults.js';
import { createImageHandler, ImageHandlerOptionsError, type ImageHandlerOptions } from '../../origin/src/index.js';
import { REPO, SAMPLES, tempDir } from '../support/origin.js';

const root = tempDir('image-cdn-embedding-');
beforeAll(() => copyFileSync(path.join(SAMPLES, 'fossa.jpg'), path.join(root.dir, 'fossa.jpg')));
afterAll(() => root.remove());

describe('invalid options', () => {
  const cases: Array<[string, () => ImageHandlerOptions, RegExp]> = [
    ['a root that is no directory', () => ({ root: path.join(root.dir, 'nope') }), /^root ".*nope" is not a directory$/],
    ['a negative limit', () => ({ root: root.dir, limits: { maxPixels: -1 } }), /^limits\.maxPixels must be an integer of at least 1, got -1$/],
    ['an unknown limit', () => ({ root: root.dir, limits: { maxPixel: 5 } as never }), /limits\.maxPixel is not a known key/],
    ['an unknown grammar', () => ({ root: root.dir, grammars: ['cloudflare', 'akamai'] as never }), /unknown grammar "akamai"/],
    ['a misspelt option', () => ({ root: root.dir, cacheTagHeadr: 'Cache-Tag' }) as never, /^cacheTagHeadr is not a known option; expected one of: root, /],
    ['a port (the server’s business)', () => ({ root: root.dir, port: 3000 }) as never, /port is not an option: the handler listens on nothing/],
    ['no source at all', () => ({}), /^no image source: give root, s3Bucket or mounts$/],
    ['two sources', () => ({ root: root.dir, s3Bucket: 'images' }), /give one image source, not root and s3Bucket/],
    ['an S3 prefix without a bucket', () => ({ root: root.dir, s3Prefix: 'uploads/' }), /s3Prefix needs s3Bucket/],
    ['an invalid bucket name', () => ({ s3Bucket: 'My_Bucket' }), /s3Bucket "My_Bucket" is not a valid S3 bucket name/],
    ['a short signing key', () => ({ root: root.dir, signing: { keys: ['short'] } }), /signing key 1 is 5 characters/],
    ['a version pattern not anchored', () => ({ root: root.dir, versionPattern: 'v2' }), /versionPattern must start with "\^\/"/],
    [
      'a Cache-Control with a line break',
      () => ({ root: root.dir, cacheControl: { default: 'public\nx' } }),
      /cacheControl\.default must not contain control characters/,
    ],
    [
      'a mount without a leading slash',
      () => ({ mounts: [{ prefix: 'uploads/', source: { type: 'file', root: root.dir } }] }),
      /mounts\[0\]\.prefix must start with "\/"/,
    ],
    ['an invalid variant', () => ({ root: root.dir, variants: { thumb: 'width=banana' } }), /thumb/],
    ['a logger without methods', () => ({ root: root.dir, logger: {} as never }), /logger must be false or have info, warn and error methods/],
  ];

  it.each(cases)('%s throws at creation, naming the value', (_name, options, message) => {
    let thrown: unknown;
    try {
      createImageHandler(options());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ImageHandlerOptionsError);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('defaults', () => {
  it("are the origin's", async () => {
    const handler = createImageHandler({ root: root.dir, accessLog: false });
    const { config } = handler.origin;
    const defaults = defaultConfig();
    expect(config.limits).toEqual(defaults.limits);
    expect(config.cacheControl).toEqual(defaults.cacheControl);
    expect([config.grammars, config.versionPattern, config.onlyVariants, config.signing, config.svg]).toEqual([
      ['cloudflare'],
      defaults.versionPattern,
      false,
      undefined,
      undefined,
    ]);
    expect(config.mounts).toEqual([{ prefix: '/', source: { type: 'file', root: root.dir } }]);
    await handler.ready;
    await handler.close();
  });

  it('take partial sub-objects as the config file does', async () => {
    const handler = createImageHandler({ root: root.dir, accessLog: false, signing: { keys: ['a-signing-key-of-24-chars'] }, svg: { enabled: true } });
    expect(handler.origin.config.signing).toEqual({ keys: ['a-signing-key-of-24-chars'], mode: 'required', exemptVariants: false });
    expect(handler.origin.config.svg).toEqual({ enabled: true, maxBytes: 256 * 1024, maxElements: 5_000 });
    await handler.close();
  });
});

describe('the AWS SDK, an optional peer', () => {
  /** Runs the built package with @aws-sdk/* unresolvable, as in an app that never installed it. */
  async function withoutAwsSdk(body: string): Promise<Record<string, unknown>> {
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request.startsWith('@aws-sdk/')) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
        return resolve.call(this, request, ...rest);
      };
      const { createImageHandler } = require(${JSON.stringify(path.join(REPO, 'dist/origin/src/index.js'))});
      const logged = [];
      const logger = { info() {}, warn() {}, error: (entry) => logged.push(String(entry.err && entry.err.message)) };
      (async () => { ${body} })().then((result) => console.log(JSON.stringify(result)));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 30_000 });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('is not needed to load image-cdn/origin and serve files', async () => {
    const result = await withoutAwsSdk(`
      const handler = createImageHandler({ root: ${JSON.stringify(root.dir)}, accessLog: false });
      await handler.ready;
      const response = await handler.fetch(new Request('http://origin.test/cdn-cgi/image/width=40,format=webp/fossa.jpg'));
      await response.arrayBuffer();
      await handler.close();
      return { status: response.status, type: response.headers.get('content-type'), sdkLoaded: Object.keys(require.cache).some((file) => file.includes('@aws-sdk')) };
    `);
    expect(result).toEqual({ status: 200, type: 'image/webp', sdkLoaded: false });
  });

  it('is named, with how to install it, when an S3 source is configured without it', async () => {
    const result = await withoutAwsSdk(`
      const handler = createImageHandler({ s3Bucket: 'images', logger });
      const ready = await handler.ready.then(() => 'ready', (error) => error.message);
      const response = await handler.fetch(new Request('http://origin.test/cdn-cgi/image/width=40/a.jpg'));
      await handler.close();
      return { ready, status: response.status, tag: response.headers.get('x-image-cdn-error'), logged };
    `);
    const message = 'S3 sources need @aws-sdk/client-s3, an optional peer dependency of image-cdn that is not installed: npm install @aws-sdk/client-s3';
    expect(result).toEqual({ ready: message, status: 500, tag: 'internal_error', logged: [message] });
  });
});
