/**
 * URLs as the hosted services' own client libraries write them (recorded in
 * test/fixtures/client-urls.json from @imgix/js-core and @cloudinary/url-gen at the versions it
 * names), through the deployed function and then the origin over HTTP: size, format per Accept,
 * and one cache key per image and Accept class. imgix's default srcset asks for dpr 1 to 5.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URL_GRAMMARS } from '../../../lib/cdk/viewer-request-function.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { cacheKey, forward, forwardedTarget, loadFunction, synthesizedFunctionCode } from '../../support/edge.js';
import { REPO, SAMPLES, startTestOrigin, tempDir } from '../../support/origin.js';

interface Fixture {
  '@imgix/js-core': { version: string; buildURL: string[]; [srcset: string]: string[] | string };
  '@cloudinary/url-gen': { version: string; toURL: string[] };
}
const CLIENTS = JSON.parse(readFileSync(path.join(REPO, 'test/fixtures/client-urls.json'), 'utf8')) as Fixture;
const imgix = CLIENTS['@imgix/js-core'];
const cloudinary = CLIENTS['@cloudinary/url-gen'];
const targetOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

const ACCEPTS = {
  avif: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  webp: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  jpeg: '*/*',
} as const;
const edge = loadFunction(synthesizedFunctionCode({ grammars: URL_GRAMMARS })).handler;

let origin: OriginServer;
let root: ReturnType<typeof tempDir>;
beforeAll(async () => {
  // fossa.jpg is 1600×900; Cloudinary and imgix name it at the top and under photos/.
  root = tempDir();
  mkdirSync(path.join(root.dir, 'photos'));
  copyFileSync(path.join(SAMPLES, 'fossa.jpg'), path.join(root.dir, 'fossa.jpg'));
  copyFileSync(path.join(SAMPLES, 'fossa.jpg'), path.join(root.dir, 'photos/fossa.jpg'));
  origin = await startTestOrigin({ grammars: [...URL_GRAMMARS] }, root.dir);
});
afterAll(async () => {
  await origin?.close();
  root?.remove();
});

/** The client's URL through the function, then the origin: what a browser with `accept` gets. */
async function through(url: string, accept: keyof typeof ACCEPTS) {
  const forwarded = forward(edge, targetOf(url), { Accept: ACCEPTS[accept] });
  const response = await fetch(`${origin.url}${forwardedTarget(forwarded)}`, {
    headers: forwarded.headers.accept ? { accept: forwarded.headers.accept.value } : {},
  });
  expect(response.status, `${url} → ${forwardedTarget(forwarded)}`).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  const { width, height, format } = await sharp(body).metadata();
  return { key: cacheKey(forwarded), etag: response.headers.get('etag'), width, height, format: format === 'heif' ? 'avif' : format };
}

describe(`@imgix/js-core ${imgix.version}`, () => {
  it('buildSrcSet with a fixed width: dpr 1 to 5 are served at 1× to 5×, each its own key, one key per Accept class', async () => {
    const srcset = imgix['buildSrcSet fixed width (dpr 1-5), auto=format'] as string[];
    expect(srcset).toHaveLength(5);
    const keys = new Set<string>();
    for (const [index, url] of srcset.entries()) {
      for (const accept of ['avif', 'webp', 'jpeg'] as const) {
        const got = await through(url, accept);
        expect([got.width, got.height, got.format], url).toEqual([300 * (index + 1), Math.round((900 * 300 * (index + 1)) / 1600), accept]);
        keys.add(got.key);
      }
    }
    expect(keys.size).toBe(15);
  }, 60_000);

  it('buildSrcSet with fm=webp: one key per entry whatever the browser', async () => {
    const srcset = imgix['buildSrcSet fixed width (dpr 1-5), fm=webp'] as string[];
    for (const [index, url] of srcset.entries()) {
      const keys = new Set<string>();
      for (const accept of ['avif', 'webp', 'jpeg'] as const) {
        const got = await through(url, accept);
        expect([got.width, got.format], url).toEqual([300 * (index + 1), 'webp']);
        keys.add(got.key);
      }
      expect(keys.size, url).toBe(1);
    }
  }, 60_000);

  it('buildURL', async () => {
    const [crop, webp, byHeight] = imgix.buildURL as [string, string, string];
    expect(await through(crop, 'webp')).toMatchObject({ width: 600, height: 400, format: 'webp' });
    expect(await through(webp, 'avif')).toMatchObject({ width: 320, height: 180, format: 'webp' });
    expect(await through(byHeight, 'jpeg')).toMatchObject({ width: 356, height: 200, format: 'jpeg' });
  }, 60_000);

  it('buildSrcSet with fluid widths: each width one key per Accept class, without ixlib', () => {
    const srcset = imgix['buildSrcSet fluid widths, auto=format'] as string[];
    const keys = new Set(srcset.flatMap((url) => Object.values(ACCEPTS).map((accept) => cacheKey(forward(edge, targetOf(url), { Accept: accept })))));
    expect(keys.size).toBe(srcset.length * 3);
    for (const key of keys) expect(key).not.toContain('ixlib');
  });
});

describe(`@cloudinary/url-gen ${cloudinary.version}`, () => {
  it.each([
    [0, 'avif', { width: 600, height: 400, format: 'avif' }],
    [1, 'webp', { width: 600, height: 338, format: 'webp' }],
    [2, 'jpeg', { width: 800, height: 450, format: 'webp' }],
    [3, 'jpeg', { width: 150, height: 150, format: 'jpeg' }],
    [4, 'jpeg', { width: 400, height: 225, format: 'jpeg' }],
    [5, 'jpeg', { width: 900, height: 506, format: 'jpeg' }],
    [6, 'avif', { width: 1500, height: 844, format: 'avif' }],
  ] as const)(
    'toURL() #%i with %s',
    async (index, accept, expected) => {
      const url = cloudinary.toURL[index]!;
      expect(await through(url, accept), url).toMatchObject(expected);
      // The SDK's analytics query carries nothing: it is not part of the key.
      expect(cacheKey(forward(edge, targetOf(url), { Accept: ACCEPTS[accept] }))).not.toContain('_a=');
    },
    60_000,
  );
});
