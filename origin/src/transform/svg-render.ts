import sharp, { type Metadata } from 'sharp';
import { errors, ImageCdnError } from '../errors.js';
import type { Pipeline } from '../pipeline/types.js';
import { allowOnlyImageDecoders } from './decoders.js';
import { planResize } from './resize-plan.js';

/**
 * librsvg runs once per transform, here, and every later step works on its pixels. Left inside a
 * sharp pipeline, an SVG is rendered again for each region a later step asks for (a rotate reads
 * it column-wise: minutes for one large filtered file), and sharp renders it straight at a
 * resize's target size, past the pixel limit. Here the render size is known before librsvg
 * starts, and bounded three ways: the pixel limit, the element budget below, and the deadline.
 */

/**
 * Elements × rendered pixels allowed for one render. librsvg's worst case (full-canvas elements
 * composited through group opacity) costs about 1.5 ns per element-pixel, so this is a few
 * seconds at most; ordinary drawings cost a small fraction of that.
 */
export const SVG_ELEMENT_PIXEL_BUDGET = 3_000_000_000;

export interface RenderedSvg {
  /** The SVG rendered as an uncompressed PNG, at the size the transform needs. */
  readonly raster: Buffer;
  /** The SVG's own header (72 dpi): what the transform plans with, as for any source. */
  readonly header: Metadata;
}

export interface SvgRenderRequest {
  readonly pipeline: Pipeline;
  readonly maxPixels: number;
  /** `performance.now()` ms past which the render may not run; `timeoutMs` is for the 504 message. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly sourceName: string;
  /** Expanded element count (svg-policy.ts). */
  readonly elements: number;
}

export async function renderSvg(svg: Buffer, request: SvgRenderRequest): Promise<RenderedSvg> {
  allowOnlyImageDecoders();
  const header = await sharp(svg, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  if (!header?.width || !header.height) throw errors.unsupportedSourceFormat(request.sourceName);
  const { width, height } = header;
  if (width * height > request.maxPixels) {
    throw errors.sourceTooLarge(`source is ${width}×${height} = ${width * height} pixels; the limit is ${request.maxPixels}`);
  }
  const scale = renderScale(request.pipeline, width, height, request.maxPixels);
  const renderedPixels = Math.ceil(width * scale) * Math.ceil(height * scale);
  if (request.elements * renderedPixels > SVG_ELEMENT_PIXEL_BUDGET) {
    throw errors.sourceTooLarge(
      `SVG source "${request.sourceName}" has ${request.elements} elements; rendering them at ${renderedPixels} pixels exceeds the budget of ` +
        `${SVG_ELEMENT_PIXEL_BUDGET} element-pixels (ask for a smaller output, or simplify the drawing)`,
    );
  }
  const leftMs = request.deadline - performance.now();
  if (leftMs <= 0) throw errors.timeout(request.timeoutMs);
  try {
    const raster = await sharp(svg, { density: 72 * scale, limitInputPixels: request.maxPixels, failOn: 'error' })
      .png({ compressionLevel: 0, adaptiveFiltering: false })
      .timeout({ seconds: Math.max(1, Math.ceil(leftMs / 1000)) })
      .toBuffer();
    return { raster, header };
  } catch (error) {
    if (error instanceof ImageCdnError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/timeout/i.test(message)) throw errors.timeout(request.timeoutMs);
    if (/pixel limit/i.test(message)) throw errors.sourceTooLarge('the SVG exceeds the pixel limit at the size this transform needs');
    throw errors.svgRefused(request.sourceName, `librsvg could not render it (${message.split('\n')[0]})`);
  }
}

/**
 * The scale to render at: the one resize's own scale when the transform is a single resize (the
 * same pipelines that start from a decoded level; see plan.ts levelFor), so vector edges stay
 * sharp at any output size; 1 otherwise, because trim, flip and rotate work in the source's
 * coordinates. Never more than the pixel limit or libvips' 32,767-pixel side allows.
 */
export function renderScale(pipeline: Pipeline, width: number, height: number, maxPixels: number): number {
  const ops = pipeline.operations;
  const resizes = ops.filter((op) => op.op === 'resize');
  let scale = 1;
  if (resizes.length === 1 && !ops.some((op) => op.op === 'trim' || op.op === 'flip' || op.op === 'rotate')) {
    const target = planResize(width, height, resizes[0]!).scaleTo;
    if (target) scale = Math.max(target.width / width, target.height / height);
  }
  const fitsPixels = Math.sqrt(maxPixels / (width * height)) * 0.999;
  const fitsSides = 32_767 / Math.max(width, height);
  return Math.min(scale, fitsPixels, fitsSides);
}
