/**
 * Decoded-source levels. A transform that shrinks a still image by 1.5× or more starts from a
 * level: the source decoded, oriented, in sRGB and reduced to ⌊1/f⌋ of its size, for the largest
 * f in LEVEL_FACTORS not above the transform's shrink. Every rendition whose shrink falls between
 * two factors starts from the same level, so the widths, formats and DPRs of one source (a page's
 * srcset right after an upload) decode it once; the level then shrinks by less than 2× more.
 *
 * The factors sit where sharp's JPEG shrink-on-load steps to 1/2, 1/4 and 1/8 DCT scaling (a
 * shrink in [3, 5), [5, 9) and [9, ∞)), so decoding a level costs what decoding the source for
 * any target between it and the next level would. Flooring the level's size keeps its actual
 * shrink at or above f, on the same side of those steps.
 */
export const LEVEL_FACTORS: readonly number[] = [1.5, 3, 5, 9, 18, 36, 72, 144];

export interface SourceLevel {
  readonly factor: number;
  /** The level's size in level pixels: the oriented source's, divided by `factor` and floored. */
  readonly width: number;
  readonly height: number;
}

/**
 * The level to start from for scaling a `sourceWidth`×`sourceHeight` (oriented) image to at least
 * `targetWidth`×`targetHeight` on both axes, or undefined when it shrinks by less than 1.5×.
 */
export function chooseLevel(sourceWidth: number, sourceHeight: number, targetWidth: number, targetHeight: number): SourceLevel | undefined {
  const shrink = Math.min(sourceWidth / targetWidth, sourceHeight / targetHeight);
  let factor: number | undefined;
  for (const candidate of LEVEL_FACTORS) if (candidate <= shrink) factor = candidate;
  if (factor === undefined) return undefined;
  // factor ≤ source/target on both axes, so the floors are still at least the target.
  return { factor, width: Math.floor(sourceWidth / factor), height: Math.floor(sourceHeight / factor) };
}
