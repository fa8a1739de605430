import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../../origin/src/errors.js';
import { parseCloudinary } from '../../../origin/src/grammar/cloudinary.js';
import { parseImageKit } from '../../../origin/src/grammar/imagekit.js';
import { parseImgix } from '../../../origin/src/grammar/imgix.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { ImageRequest, OutputFormat } from '../../../origin/src/pipeline/types.js';
import { transform } from '../../../origin/src/transform/engine.js';
import { testTransformBounds } from '../../support/transform-input.js';

/**
 * The mappings checked on real pixels: the sizes the hosted services document for these URLs
 * come out of the real engine (sharp/libvips) once the grammar has translated them, including
 * the rewrites (imgix padding inside the box, a turn after a resize moved before it).
 */

const FOSSA = path.join(fileURLToPath(new URL('../../..', import.meta.url)), 'samples/fossa.jpg'); // 1600×900

async function render(parsed: Result<ImageRequest> | undefined, format: OutputFormat = 'png') {
  if (!parsed?.ok) throw new Error(parsed ? parsed.error.message : 'not parsed');
  return transform({
    open: async () => ({ kind: 'file', path: FOSSA }),
    pipeline: normalise(parsed.value.options),
    format,
    ...testTransformBounds(),
    sourceName: 'fossa.jpg',
  });
}

async function pixel(data: Buffer, x: number, y: number) {
  const { data: raw, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...raw.subarray(at, at + info.channels)];
}

describe('hosted-grammar mappings on real pixels', () => {
  it('imgix: padding sits inside w×h, in the bg colour', async () => {
    // 1600×900 into 200×100 with 10 px padding: the image fits 180×80 (142×80), plus the padding.
    const out = await render(parseImgix('/fossa.jpg', '?w=200&h=100&pad=10&bg=ff0000'));
    expect([out.width, out.height]).toEqual([162, 100]);
    expect(await pixel(out.data, 0, 0)).toEqual([255, 0, 0]);
    expect(await pixel(out.data, 161, 50)).toEqual([255, 0, 0]);
    expect(await pixel(out.data, 81, 50)).not.toEqual([255, 0, 0]);
  });

  it('imgix: fit=clip enlarges like imgix, fit=max does not', async () => {
    const clip = await render(parseImgix('/fossa.jpg', '?w=3200'));
    expect([clip.width, clip.height]).toEqual([3200, 1800]);
    const max = await render(parseImgix('/fossa.jpg', '?w=3200&fit=max'));
    expect([max.width, max.height]).toEqual([1600, 900]);
  });

  it('Cloudinary: fill then a quarter turn gives the turned box', async () => {
    const out = await render(parseCloudinary('/demo/image/upload/w_300,h_200,c_fill/a_90/fossa.jpg', ''));
    expect([out.width, out.height]).toEqual([200, 300]);
  });

  it('Cloudinary: c_scale with both sizes stretches; c_crop cuts at x,y', async () => {
    const stretched = await render(parseCloudinary('/demo/image/upload/w_100,h_100,c_scale/fossa.jpg', ''));
    expect([stretched.width, stretched.height]).toEqual([100, 100]);
    const cut = await render(parseCloudinary('/demo/image/upload/c_crop,x_10,y_20,w_300,h_200/fossa.jpg', ''));
    expect([cut.width, cut.height]).toEqual([300, 200]);
  });

  it('ImageKit: maintain_ratio fills the box, a turn after it keeps that', async () => {
    const filled = await render(parseImageKit('/tr:w-400,h-400/fossa.jpg', ''));
    expect([filled.width, filled.height]).toEqual([400, 400]);
    const turned = await render(parseImageKit('/fossa.jpg', '?tr=w-400,h-300:rt-90'));
    expect([turned.width, turned.height]).toEqual([300, 400]);
  });

  it('one transform in three grammars gives the same bytes', async () => {
    const outputs = await Promise.all([
      render(parseImgix('/fossa.jpg', '?w=320&h=240&fit=crop&crop=top&fm=webp&q=70&sat=-100'), 'webp'),
      render(parseCloudinary('/demo/image/upload/w_320,h_240,c_fill,g_north,f_webp,q_70,e_grayscale/fossa.jpg', ''), 'webp'),
      render(parseImageKit('/tr:w-320,h-240,fo-top,f-webp,q-70,e-grayscale/fossa.jpg', ''), 'webp'),
    ]);
    expect(outputs.map((o) => [o.width, o.height])).toEqual([
      [320, 240],
      [320, 240],
      [320, 240],
    ]);
    expect(outputs[1]?.data.equals(outputs[0]?.data ?? Buffer.alloc(0))).toBe(true);
    expect(outputs[2]?.data.equals(outputs[0]?.data ?? Buffer.alloc(0))).toBe(true);
  });
});
