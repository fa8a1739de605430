import { errors } from '../errors.js';
import type { Operation, Trim } from '../pipeline/types.js';
import { planResize } from './resize-plan.js';

/**
 * The size of the image after each operation, by arithmetic alone, so that what a transform
 * would cost is known (and refused) before a pixel is decoded, and `format=json` can answer
 * without decoding at all.
 */

export interface GeometryLimits {
  /** Largest width or height after any step that can grow the image. */
  readonly maxOutputDimension: number;
  /** Largest width × height × frames after any step that can grow the image. */
  readonly maxOutputPixels: number;
}

export interface Geometry {
  readonly width: number;
  readonly height: number;
  /** False when a trim by border colour comes first: the size then depends on the pixels. */
  readonly exact: boolean;
}

/**
 * Gaussian blur costs about area × sigma: 1.25e9 is σ 125 (blur=250) on 10 MP, 2.0 s on one
 * libvips thread of the 2-core development machine, or σ 50 on 25 MP, 1.4 s. Past it the
 * request is refused rather than left to hold a slot for most of its deadline.
 */
export const MAX_BLUR_WORK = 1.25e9;

/** sharp's sigma for a Cloudflare blur radius. */
export const blurSigma = (radius: number) => Math.max(0.3, radius / 2);

/** The window a trim by edges or rectangle keeps, clamped like Cloudflare does rather than failing. */
export function trimRect(trim: Exclude<Trim, { mode: 'border' }>, width: number, height: number) {
  const rect =
    trim.mode === 'edges'
      ? { left: trim.edges.left, top: trim.edges.top, width: width - trim.edges.left - trim.edges.right, height: height - trim.edges.top - trim.edges.bottom }
      : { left: trim.left, top: trim.top, width: trim.width ?? width - trim.left, height: trim.height ?? height - trim.top };
  const left = Math.min(Math.max(0, rect.left), width - 1);
  const top = Math.min(Math.max(0, rect.top), height - 1);
  return { left, top, width: Math.max(1, Math.min(rect.width, width - left)), height: Math.max(1, Math.min(rect.height, height - top)) };
}

/**
 * Walks `operations` from a `width × height` image of `frames` frames, refusing any step whose
 * result passes the limits (output_too_large) or whose cost passes its bound (operation_too_costly).
 */
export function planGeometry(width: number, height: number, frames: number, operations: readonly Operation[], limits: GeometryLimits): Geometry {
  let exact = true;
  const grown = (step: string) => checkSize(width, height, frames, step, limits);
  for (const op of operations) {
    switch (op.op) {
      case 'trim':
        if (op.trim.mode === 'border') exact = false; // never larger than before
        else ({ width, height } = trimRect(op.trim, width, height));
        break;
      case 'rotate':
        if (op.angle !== 180) [width, height] = [height, width];
        break;
      case 'resize': {
        const plan = planResize(width, height, op);
        ({ width, height } = plan.pad ?? plan.crop ?? plan.scaleTo ?? { width, height });
        grown('resize');
        break;
      }
      case 'blur': {
        const work = width * height * frames * blurSigma(op.radius);
        if (work > MAX_BLUR_WORK) {
          throw errors.operationTooCostly(
            `blur=${op.radius} on a ${width}×${height}${frames > 1 ? `×${frames}-frame` : ''} image is ${work.toExponential(2)} units of work (area × sigma); the limit is ${MAX_BLUR_WORK.toExponential(2)}: blur a smaller image or use a smaller radius`,
          );
        }
        break;
      }
      case 'border':
        width += op.edges.left + op.edges.right;
        height += op.edges.top + op.edges.bottom;
        grown('border');
        break;
      default:
        // flip, adjust and sharpen keep the size; their cost is bounded by the area checked above.
        break;
    }
  }
  return { width, height, exact };
}

function checkSize(width: number, height: number, frames: number, step: string, limits: GeometryLimits): void {
  const side = Math.max(width, height);
  if (side > limits.maxOutputDimension) {
    throw errors.outputTooLarge(`the image after ${step} is ${width}×${height} px; the limit is ${limits.maxOutputDimension} px per side`);
  }
  const pixels = width * height * frames;
  if (pixels > limits.maxOutputPixels) {
    throw errors.outputTooLarge(
      `the image after ${step} is ${width}×${height}${frames > 1 ? `×${frames} frames` : ''} = ${pixels} pixels; the limit is ${limits.maxOutputPixels}`,
    );
  }
}
