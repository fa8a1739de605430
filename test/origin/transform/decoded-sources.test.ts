import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { DEFAULT_LIMITS } from '../../../origin/src/config.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { OutputFormat } from '../../../origin/src/pipeline/types.js';
import type { SourceBody } from '../../../origin/src/sources/types.js';
import { ENCODER_ID, outputIdentity } from '../../../origin/src/transform/encoder-settings.js';
import { transform } from '../../../origin/src/transform/engine.js';
import { RasterCache, type RasterLookup } from '../../../origin/src/transform/raster-cache.js';
import { metricValue, SAMPLES, startTestOrigin, tempDir } from '../../support/origin.js';
import { testTransformBounds } from '../../support/transform-input.js';

/**
 * Transforms of one source share its decode (transform/source-level.ts): they start from a
 * level kept in a RasterCache. What must hold: the bytes never depend on whether the level was
 * kept (strong ETags promise the same bytes for the same ETag), the result stays close to a
 * direct single-pass resize, and a kept level is never served for other or changed bytes.
 */

const FOSSA = path.join(SAMPLES, 'fossa.jpg'); // 1600×900

function engine(maxBytes = 64 * 1024 * 1024, sourceLevels = true) {
  const lookups: RasterLookup[] = [];
  const cache = new RasterCache(maxBytes, { onLookup: (o) => lookups.push(o) });
  let opens = 0;
  const run = async (options: string, format: OutputFormat, file = FOSSA, key = file) => {
    const parsed = parseCloudflareOptions(options);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const output = await transform({
      open: async (): Promise<SourceBody> => (opens++, { kind: 'file', path: file }),
      decoded: { cache, key },
      pipeline: normalise(parsed.value),
      format,
      ...testTransformBounds(),
      sourceLevels,
      sourceName: path.basename(file),
    });
    return output.data;
  };
  return { run, lookups, cache, opens: () => opens };
}

async function rgb(bytes: Buffer) {
  return sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
}

async function psnr(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([rgb(a), rgb(b)]);
  expect([x.info.width, x.info.height]).toEqual([y.info.width, y.info.height]);
  let squared = 0;
  for (let i = 0; i < x.data.length; i++) squared += (x.data[i]! - y.data[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (squared / x.data.length));
}

describe('transforms starting from a decoded source level', () => {
  it('gives the same bytes whether the level was decoded now, kept, or not kept at all', async () => {
    const kept = engine();
    const first = await kept.run('width=400', 'jpeg');
    const again = await kept.run('width=400', 'jpeg');
    const none = engine(0);
    const uncached = await none.run('width=400', 'jpeg');
    expect(kept.lookups).toEqual(['miss', 'hit']);
    expect(none.lookups).toEqual(['miss']);
    expect(again.equals(first)).toBe(true);
    expect(uncached.equals(first)).toBe(true);
  });

  it('serves other widths and formats of the same source without reading it again', async () => {
    const { run, lookups, opens } = engine();
    await run('width=400', 'jpeg'); // shrink 4 → level 1/3
    expect(opens()).toBe(1);
    for (const [options, format] of [
      ['width=420', 'webp'],
      ['width=300,height=300,fit=cover', 'avif'],
      ['width=450,dpr=1', 'png'],
    ] as const) {
      const bytes = await run(options, format);
      expect((await sharp(bytes).metadata()).format).toBe(format === 'avif' ? 'heif' : format);
    }
    expect(opens()).toBe(1);
    expect(lookups).toEqual(['miss', 'hit', 'hit', 'hit']);
  });

  it('stays within 40 dB PSNR of a direct single-pass resize, at the same size', async () => {
    const { run } = engine();
    for (const [options, direct] of [
      ['width=400', sharp(FOSSA).resize(400)],
      ['width=300,height=300,fit=cover', sharp(FOSSA).resize(300, 300, { fit: 'cover' })],
      ['width=200', sharp(FOSSA).resize(200)],
    ] as const) {
      const ours = await run(options, 'png');
      expect(await psnr(ours, await direct.png().toBuffer()), options).toBeGreaterThan(40);
    }
  });

  it('applies EXIF orientation before the level, and keeps alpha through it', async () => {
    const { run, lookups } = engine();
    const oriented = await sharp(await run('width=200', 'png', path.join(SAMPLES, 'oriented-6.jpg'))).metadata();
    expect([oriented.width, oriented.height]).toEqual([200, 112]); // stored 337×600, shown 600×337
    const alpha = await run('width=100', 'webp', path.join(SAMPLES, 'alpha.png'));
    expect((await sharp(alpha).metadata()).hasAlpha).toBe(true);
    const direct = await sharp(path.join(SAMPLES, 'alpha.png')).resize(100).webp({ lossless: true }).toBuffer();
    const [ours, theirs] = await Promise.all([sharp(alpha).raw().toBuffer(), sharp(direct).raw().toBuffer()]);
    const alphaDiff = Math.max(...Array.from({ length: ours.length / 4 }, (_, i) => Math.abs(ours[i * 4 + 3]! - theirs[i * 4 + 3]!)));
    expect(alphaDiff).toBeLessThan(48);
    expect(lookups).toEqual(['miss', 'miss']);
  });

  it('decodes directly where a level cannot stand in for the source', async () => {
    const { run, lookups } = engine();
    await run('width=1200', 'jpeg'); // shrink 1.33: below the first level
    await run('width=400,metadata=keep', 'jpeg'); // needs the source's own profile and XMP
    await run('width=400,rotate=90', 'jpeg'); // geometry first
    await run('width=60', 'gif', path.join(SAMPLES, 'animated.gif')); // animation kept
    const sixteenBit = path.join(tempDir().dir, 'deep.png');
    await sharp({ create: { width: 400, height: 200, channels: 3, background: '#3366cc' } })
      .toColourspace('rgb16')
      .png()
      .toFile(sixteenBit);
    await run('width=100', 'png', sixteenBit);
    expect(lookups).toEqual([]);
  });

  it('keeps concurrent renditions of one source to a single decode', async () => {
    const { run, lookups } = engine();
    await Promise.all([run('width=400', 'jpeg'), run('width=410', 'webp'), run('width=420', 'avif')]);
    expect(lookups.filter((o) => o === 'miss')).toHaveLength(1);
    expect(lookups.filter((o) => o === 'joined')).toHaveLength(2);
  });
});

describe('with source levels off', () => {
  const pixels = async (png: Buffer) => (await rgb(png)).data;
  // The origin scales to an exact size (steps/resize.ts), so the reference does too.
  const direct = (options: string) =>
    ({
      'width=400': sharp(FOSSA).autoOrient().resize(400, 225, { fit: 'fill' }),
      'width=176': sharp(FOSSA).autoOrient().resize(176, 99, { fit: 'fill' }),
    })[options]!;

  it('decodes every downscale in one pipeline: the pixels of a single resize, no level kept or looked up', async () => {
    const off = engine(64 * 1024 * 1024, false);
    const on = engine();
    for (const options of ['width=400', 'width=176']) {
      const single = await pixels(await direct(options).png().toBuffer());
      const [withoutLevels, withLevels] = [await off.run(options, 'png'), await on.run(options, 'png')];
      expect((await pixels(withoutLevels)).equals(single), options).toBe(true);
      // The level path resizes twice: close, but not the same pixels, which is why the fingerprint names the setting.
      expect((await pixels(withLevels)).equals(single), options).toBe(false);
      expect(await psnr(withoutLevels, withLevels)).toBeGreaterThan(40);
    }
    expect(off.lookups).toEqual([]);
    expect(off.cache.bytes).toBe(0);
  });

  it('is named by the fingerprint: the levelled identity is the encoder alone, as before the setting', () => {
    expect(outputIdentity({ sourceLevels: true })).toBe(ENCODER_ID);
    expect(outputIdentity({ sourceLevels: false })).not.toBe(ENCODER_ID);
  });

  it('over HTTP: another ETag for the same URL, stable, and nothing looked up in the decoded-source cache', async () => {
    const [levelled, single] = await Promise.all([startTestOrigin(), startTestOrigin({ limits: { ...DEFAULT_LIMITS, sourceLevels: false } })]);
    try {
      const url = '/cdn-cgi/image/width=400,format=jpeg/fossa.jpg';
      const etag = async (origin: OriginServer) => {
        const response = await fetch(`${origin.url}${url}`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        return response.headers.get('etag');
      };
      const [a, b] = [await etag(levelled), await etag(single)];
      expect(a).toMatch(/^"/);
      expect(b).toMatch(/^"/);
      expect(b).not.toBe(a);
      expect(await etag(single)).toBe(b);
      expect(await metricValue(levelled.url, 'image_cdn_source_cache_lookups_total')).toBeGreaterThan(0);
      expect(await metricValue(single.url, 'image_cdn_source_cache_lookups_total')).toBe(0);
    } finally {
      await Promise.all([levelled.close(), single.close()]);
    }
  });

  it('gives the same bytes alone and alongside concurrent renditions of the source', async () => {
    const alone = await engine(64 * 1024 * 1024, false).run('width=400', 'jpeg');
    const busy = engine(64 * 1024 * 1024, false);
    const [together] = await Promise.all([busy.run('width=400', 'jpeg'), busy.run('width=410', 'webp'), busy.run('width=400', 'avif')]);
    expect(together.equals(alone)).toBe(true);
  });
});

describe('decoded sources over HTTP', () => {
  let origin: OriginServer;
  const a = tempDir();
  const b = tempDir();

  /** An uncompressed TIFF: its byte size depends only on its dimensions, never on its colour. */
  const solidTiff = (colour: string) =>
    sharp({ create: { width: 600, height: 400, channels: 3, background: colour } })
      .tiff({ compression: 'none' })
      .toBuffer();

  const centre = async (url: string): Promise<number[]> => {
    const response = await fetch(`${origin.url}${url}`);
    expect(response.status, url).toBe(200);
    const { data, info } = await rgb(Buffer.from(await response.arrayBuffer()));
    const i = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  const near = (actual: number[], expected: number[]) =>
    expect(
      actual.every((v, i) => Math.abs(v - expected[i]!) <= 12),
      `${actual.join(',')} ≈ ${expected.join(',')}`,
    ).toBe(true);

  beforeAll(async () => {
    origin = await startTestOrigin({
      mounts: [
        { prefix: '/a/', source: { type: 'file', root: a.dir } },
        { prefix: '/b/', source: { type: 'file', root: b.dir } },
      ],
    });
  });
  afterAll(async () => {
    await origin?.close();
    a.remove();
    b.remove();
  });

  it("never lends one mount's pixels to another's file of the same name, size and mtime", async () => {
    const [red, blue] = await Promise.all([solidTiff('#ff0000'), solidTiff('#0000ff')]);
    expect(red.length).toBe(blue.length);
    writeFileSync(path.join(a.dir, 'same.tif'), red);
    writeFileSync(path.join(b.dir, 'same.tif'), blue);
    const when = new Date('2026-01-01T00:00:00Z');
    utimesSync(path.join(a.dir, 'same.tif'), when, when);
    utimesSync(path.join(b.dir, 'same.tif'), when, when);
    near(await centre('/cdn-cgi/image/width=200,format=png/a/same.tif'), [255, 0, 0]);
    near(await centre('/cdn-cgi/image/width=190,format=png/b/same.tif'), [0, 0, 255]);
  });

  it('decodes again once the source changes, and counts what it kept', async () => {
    const file = path.join(a.dir, 'changing.tif');
    writeFileSync(file, await solidTiff('#00ff00'));
    near(await centre('/cdn-cgi/image/width=200,format=png/a/changing.tif'), [0, 255, 0]);
    const kept = await metricValue(origin.url, 'image_cdn_source_cache_lookups_total', { outcome: 'hit' });
    near(await centre('/cdn-cgi/image/width=199,format=png/a/changing.tif'), [0, 255, 0]);
    expect(await metricValue(origin.url, 'image_cdn_source_cache_lookups_total', { outcome: 'hit' })).toBe(kept + 1);
    expect(await metricValue(origin.url, 'image_cdn_source_cache_bytes')).toBeGreaterThan(0);

    writeFileSync(file, await solidTiff('#ffff00'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the file source's metadata is reused for up to 1 s
    near(await centre('/cdn-cgi/image/width=198,format=png/a/changing.tif'), [255, 255, 0]);
  });
});
