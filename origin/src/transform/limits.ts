import { errors } from '../errors.js';
import type { Pipeline } from '../pipeline/types.js';

/** Refuses (400) an output side over the cap before any source byte is read. */
export function checkOutputLimits(pipeline: Pipeline, maxOutputDimension: number): void {
  for (const op of pipeline.operations) {
    if (op.op !== 'resize') continue;
    for (const [axis, value] of [['width', op.width], ['height', op.height]] as const) {
      if (value !== undefined && value > maxOutputDimension) {
        throw errors.outputTooLarge(`output ${axis} ${value} px (after dpr) exceeds the ${maxOutputDimension} px limit`);
      }
    }
  }
}
