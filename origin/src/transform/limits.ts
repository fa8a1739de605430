import { errors } from '../errors.js';
import type { Pipeline } from '../pipeline/types.js';
import type { GeometryLimits } from './output-geometry.js';

/** Fits whose output is exactly the requested box when both sides are given. */
const EXACT_BOX_FITS: ReadonlySet<string> = new Set(['squeeze', 'pad', 'cover']);

/**
 * Refuses (400) what the URL alone shows is over the output limits, before any source byte is
 * read: a side over the cap, or a box that a fit fills exactly over the pixel cap. What depends on
 * the source's size is checked after its header (output-geometry.ts); every limit and when it is
 * checked: ../limits.ts.
 */
export function checkOutputLimits(pipeline: Pipeline, limits: GeometryLimits): void {
  for (const op of pipeline.operations) {
    if (op.op !== 'resize') continue;
    for (const [axis, value] of [
      ['width', op.width],
      ['height', op.height],
    ] as const) {
      if (value !== undefined && value > limits.maxOutputDimension) {
        throw errors.outputTooLarge(`output ${axis} ${value} px (after dpr) exceeds the ${limits.maxOutputDimension} px limit`);
      }
    }
    if (op.width !== undefined && op.height !== undefined && EXACT_BOX_FITS.has(op.fit) && op.width * op.height > limits.maxOutputPixels) {
      throw errors.outputTooLarge(
        `output ${op.width}×${op.height} = ${op.width * op.height} pixels (after dpr, fit=${op.fit}) exceeds the ${limits.maxOutputPixels} pixel limit`,
      );
    }
  }
}
