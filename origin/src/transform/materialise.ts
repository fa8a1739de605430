import sharp, { type Sharp } from 'sharp';
import type { Budget } from './budget.js';
import type { Raster } from './raster-cache.js';

/** A pipeline that starts from pixels already computed, and their size. */
export interface Materialised {
  readonly image: Sharp;
  readonly width: number;
  readonly height: number;
}

/** Runs the pipeline into raw pixels, within the budget; an animation's frames stay frames (`pageHeight`). */
export async function toRaster(image: Sharp, budget: Budget): Promise<Raster> {
  const { data, info } = await budget.run(image.raw());
  const frames = info.pageHeight !== undefined && info.pageHeight < info.height;
  return { data, width: info.width, height: info.height, channels: info.channels, ...(frames && { pageHeight: info.pageHeight }) };
}

/**
 * A new pipeline starting from `raster`. Frames need both `pageHeight` and `animated` (without
 * it sharp treats the pixels as one page, and a later extend or crop works on the whole strip).
 * Raw pixels carry no frame delays or loop count: an animation's encoder takes them from the
 * source's header (steps/encode.ts).
 */
export function fromRaw(raster: Raster): Sharp {
  const raw = { width: raster.width, height: raster.height, channels: raster.channels };
  if (raster.pageHeight === undefined) return sharp(raster.data, { raw });
  return sharp(raster.data, { animated: true, raw: { ...raw, pageHeight: raster.pageHeight } });
}

/** Runs the pipeline so far into raw pixels and starts a new one on them, so later steps see its result. */
export async function materialise(image: Sharp, budget: Budget): Promise<Materialised> {
  const raster = await toRaster(image, budget);
  return { image: fromRaw(raster), width: raster.width, height: raster.height };
}

/** Materialises the pipeline so far, for a step that must see its result rather than join its libvips stages. */
export async function rebase(image: Sharp, budget: Budget): Promise<Sharp> {
  return (await materialise(image, budget)).image;
}
