import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { OutputFormat } from '../../../origin/src/pipeline/types.js';
import type { SourceBody } from '../../../origin/src/sources/types.js';
import { transform } from '../../../origin/src/transform/engine.js';
import { tempDir } from '../../support/origin.js';
import { testTransformBounds } from '../../support/transform-input.js';

/**
 * An animated source stays animated through every step: each frame is cropped, adjusted, padded
 * and bordered on its own, the output has the source's frames, delays and loop count, and every
 * frame has the planned size. An attention crop (gravity auto or face), which libvips cannot
 * run on a multi-page image, crops every frame at the centre instead (docs/url-grammar.md).
 */

type Rgb = readonly [number, number, number];
/** Frame i is 120×80 of COLOURS[i] with a black band over its left 30 columns. */
const COLOURS: readonly Rgb[] = [
  [192, 48, 48],
  [48, 192, 48],
  [48, 48, 192],
  [192, 192, 48],
];
const BLACK: Rgb = [0, 0, 0];
const MAGENTA: Rgb = [255, 0, 255];
const WHITE: Rgb = [255, 255, 255];
const DELAY = [100, 150, 200, 250];
const LOOP = 3;

const dir = tempDir('image-cdn-animated-');
const at = (name: string) => path.join(dir.dir, name);

beforeAll(async () => {
  const frames = await Promise.all(
    COLOURS.map(([r, g, b]) =>
      sharp({ create: { width: 120, height: 80, channels: 3, background: { r, g, b } } })
        .composite([{ input: { create: { width: 30, height: 80, channels: 3, background: '#000' } }, left: 0, top: 0 }])
        .png()
        .toBuffer(),
    ),
  );
  const joined = () => sharp(frames, { join: { animated: true } });
  writeFileSync(at('clip.gif'), await joined().gif({ delay: DELAY, loop: LOOP }).toBuffer());
  writeFileSync(at('clip.webp'), await joined().webp({ delay: DELAY, loop: LOOP, lossless: true }).toBuffer());
});
afterAll(() => dir.remove());

async function run(options: string, source: string, format: OutputFormat) {
  const parsed = parseCloudflareOptions(options);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return transform({
    open: async (): Promise<SourceBody> => ({ kind: 'file', path: at(source) }),
    pipeline: normalise(parsed.value),
    format,
    ...testTransformBounds(),
    sourceName: source,
  });
}

/** The output's frames as one raw RGB strip, with its animation metadata. */
async function frames(data: Buffer) {
  const meta = await sharp(data, { animated: true }).metadata();
  const { data: pixels, info } = await sharp(data, { animated: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pageHeight = meta.pageHeight ?? meta.height;
  const pixel = (frame: number, x: number, y: number): Rgb => {
    const i = ((frame * pageHeight + y) * info.width + x) * 3;
    return [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
  };
  return { meta, width: info.width, pageHeight, pixel };
}

/** Checks the output is an animation of every frame at `width × height`, with the source's delays and loop, and gives its pixels. */
async function expectAnimation(output: { data: Buffer; width: number; height: number }, width: number, height: number, what = '') {
  const { meta, width: stripWidth, pageHeight, pixel } = await frames(output.data);
  expect([meta.pages, stripWidth, pageHeight], what).toEqual([COLOURS.length, width, height]);
  expect([output.width, output.height]).toEqual([width, height]);
  expect(meta.delay).toEqual(DELAY);
  expect(meta.loop).toBe(LOOP);
  return pixel;
}

/** The 5-px magenta border of a 70×70 frame, on all four sides. */
function expectBorder(pixel: (frame: number, x: number, y: number) => Rgb, frame: number) {
  for (const [x, y] of [
    [1, 35],
    [68, 35],
    [35, 1],
    [35, 68],
  ] as const)
    expectNear(pixel(frame, x, y), MAGENTA, `frame ${frame}, border at ${x},${y}`);
}

const gammaOf = (rgb: Rgb, gamma: number): Rgb => rgb.map((v) => 255 * (v / 255) ** (1 / gamma)) as unknown as Rgb;

function expectNear(actual: Rgb, expected: Rgb, what: string) {
  const off = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(off, `${what}: got ${actual.join(',')}, expected about ${expected.map(Math.round).join(',')}`).toBeLessThanOrEqual(16);
}

const SOURCES = ['clip.gif', 'clip.webp'];
const OUTPUTS: OutputFormat[] = ['gif', 'webp'];
const cases = SOURCES.flatMap((source) => OUTPUTS.map((format) => [source, format] as const));

describe('animated sources keep every frame', () => {
  it.each(cases)('%s → %s: gravity auto and face crop each frame at the centre', async (source, format) => {
    for (const gravity of ['auto', 'face']) {
      const output = await run(`fit=cover,gravity=${gravity},width=60,height=60`, source, format);
      const pixel = await expectAnimation(output, 60, 60, gravity);
      // Scaled to 90×60 (the band is 22.5 px) and cut at x = 15: 7.5 px of the band are left.
      COLOURS.forEach((colour, frame) => {
        expectNear(pixel(frame, 2, 30), BLACK, `${gravity}, frame ${frame}, left edge`);
        expectNear(pixel(frame, 40, 30), colour, `${gravity}, frame ${frame}, middle`);
      });
      // Exactly what the centre point gravity gives.
      expect(output.data.equals((await run('fit=cover,gravity=0.5x0.5,width=60,height=60', source, format)).data), gravity).toBe(true);
    }
  });

  it.each(cases)('%s → %s: gamma applies to each frame', async (source, format) => {
    const output = await run('width=60,gamma=2', source, format);
    const pixel = await expectAnimation(output, 60, 40);
    COLOURS.forEach((colour, frame) => expectNear(pixel(frame, 45, 20), gammaOf(colour, 2), `frame ${frame}`));
  });

  it.each(cases)('%s → %s: a border after a crop goes around each frame', async (source, format) => {
    const output = await run('fit=cover,gravity=0.5x0.5,width=60,height=60,border=color:%23ff00ff;width:5', source, format);
    const pixel = await expectAnimation(output, 70, 70);
    COLOURS.forEach((colour, frame) => {
      expectBorder(pixel, frame);
      expectNear(pixel(frame, 45, 35), colour, `frame ${frame}, middle`);
    });
  });

  it.each(cases)('%s → %s: a border after a pad goes around each padded frame', async (source, format) => {
    const output = await run('fit=pad,width=60,height=60,background=white,border=color:%23ff00ff;width:5', source, format);
    const pixel = await expectAnimation(output, 70, 70);
    // 120×80 → 60×40, padded with 10 rows above and below, then 5 px of border.
    COLOURS.forEach((colour, frame) => {
      expectBorder(pixel, frame);
      expectNear(pixel(frame, 35, 9), WHITE, `frame ${frame}, pad above`);
      expectNear(pixel(frame, 35, 60), WHITE, `frame ${frame}, pad below`);
      expectNear(pixel(frame, 45, 35), colour, `frame ${frame}, middle`);
    });
  });
});
