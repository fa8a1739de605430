import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Raster, RasterCache, type RasterLookup } from '../../../origin/src/transform/raster-cache.js';
import { chooseLevel, LEVEL_FACTORS } from '../../../origin/src/transform/source-level.js';

/** sharp's JPEG shrink-on-load for a shrink (sharp/src/pipeline.cc, fastShrinkOnLoad on). */
function sharpJpegShrinkOnLoad(shrink: number): number {
  let factor = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  if (factor > 1 && Math.trunc(shrink) === factor) factor /= 2; // libjpeg rounding workaround
  return factor;
}

describe('chooseLevel', () => {
  it('keeps small shrinks on the direct path', () => {
    expect(chooseLevel(1000, 800, 700, 560)).toBeUndefined();
    expect(chooseLevel(600, 400, 600, 400)).toBeUndefined();
    expect(chooseLevel(600, 400, 1200, 800)).toBeUndefined();
  });

  it('picks the largest factor not above the shrink, with floored sizes', () => {
    expect(chooseLevel(4096, 4096, 600, 600)).toEqual({ factor: 5, width: 819, height: 819 });
    expect(chooseLevel(6028, 3391, 600, 338)).toEqual({ factor: 9, width: 669, height: 376 });
    expect(chooseLevel(4096, 2304, 1600, 900)).toEqual({ factor: 1.5, width: 2730, height: 1536 });
    // A cover crop: the shorter axis decides.
    expect(chooseLevel(6000, 4000, 900, 600)).toEqual({ factor: 5, width: 1200, height: 800 });
  });

  it('never goes below the target, and decodes JPEG with the DCT scaling a direct resize would use', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        (sourceWidth, sourceHeight, targetWidth, targetHeight) => {
          const shrink = Math.min(sourceWidth / targetWidth, sourceHeight / targetHeight);
          const level = chooseLevel(sourceWidth, sourceHeight, targetWidth, targetHeight);
          if (shrink < 1.5) return level === undefined;
          if (!level) return false;
          const next = LEVEL_FACTORS[LEVEL_FACTORS.indexOf(level.factor) + 1] ?? Infinity;
          const levelShrink = Math.min(sourceWidth / level.width, sourceHeight / level.height);
          return (
            level.width >= targetWidth &&
            level.height >= targetHeight &&
            level.factor <= shrink &&
            shrink < next &&
            levelShrink >= level.factor &&
            // Decoding the level costs what decoding the source straight to the target would.
            sharpJpegShrinkOnLoad(levelShrink) === sharpJpegShrinkOnLoad(shrink)
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});

const raster = (bytes: number, fill = 0): Raster => ({ data: Buffer.alloc(bytes, fill), width: bytes, height: 1, channels: 1 });

function recordingCache(maxBytes: number) {
  const lookups: RasterLookup[] = [];
  const cache = new RasterCache(maxBytes, { onLookup: (o) => lookups.push(o) });
  let decodes = 0;
  const get = (key: string, bytes = 10) => cache.get(key, async () => (decodes++, raster(bytes)));
  return { cache, lookups, get, decodes: () => decodes };
}

describe('RasterCache', () => {
  it('keeps rasters up to its byte budget, dropping the least recently used first', async () => {
    const { cache, get, decodes, lookups } = recordingCache(30);
    await get('a');
    await get('b');
    await get('c');
    await get('a'); // a is now the youngest
    await get('d'); // over budget: b goes
    expect(cache.bytes).toBe(30);
    expect(cache.size).toBe(3);
    expect(decodes()).toBe(4);
    await get('b');
    expect(decodes()).toBe(5);
    expect(lookups).toEqual(['miss', 'miss', 'miss', 'hit', 'miss', 'miss']);
  });

  it('shares one decode among concurrent requests for the same key', async () => {
    const { get, decodes, lookups } = recordingCache(100);
    const results = await Promise.all([get('a'), get('a'), get('a')]);
    expect(decodes()).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(lookups).toEqual(['miss', 'joined', 'joined']);
  });

  it('does not keep a failed decode', async () => {
    const cache = new RasterCache(100);
    await expect(
      cache.get('a', async () => {
        throw new Error('corrupt');
      }),
    ).rejects.toThrow('corrupt');
    const again = await cache.get('a', async () => raster(5, 7));
    expect(again.data[0]).toBe(7);
    expect(cache.size).toBe(1);
  });

  it('with a budget of 0 keeps nothing but still shares a decode in flight', async () => {
    const { cache, get, decodes } = recordingCache(0);
    await Promise.all([get('a'), get('a')]);
    await get('a');
    expect(decodes()).toBe(2);
    expect(cache.size).toBe(0);
    let reads = 0;
    const header = { format: 'jpeg' as const, width: 10, height: 10, depth: 'uchar' as const };
    await cache.header('a', async () => (reads++, header));
    await cache.header('a', async () => (reads++, header));
    expect(reads).toBe(2);
  });

  it('does not keep a raster larger than the whole budget', async () => {
    const { cache, get } = recordingCache(10);
    await get('a', 8);
    await get('huge', 11);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(8);
  });

  it('keeps headers, without the fields the engine does not use', async () => {
    const cache = new RasterCache(100);
    let reads = 0;
    const read = async () => (reads++, { format: 'jpeg' as const, width: 10, height: 20, depth: 'uchar' as const, icc: Buffer.alloc(3000) });
    expect(await cache.header('a', read)).not.toHaveProperty('icc');
    expect(await cache.header('a', read)).toMatchObject({ format: 'jpeg', width: 10, height: 20 });
    expect(reads).toBe(1);
  });

  it('refuses a negative budget, naming it', () => {
    expect(() => new RasterCache(-1)).toThrow(/got -1/);
  });
});
