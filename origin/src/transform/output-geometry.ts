import { errors } from '../errors.js';
import { CENTRE } from '../grammar/gravity.js';
import { MAX_BLUR_WORK } from '../limits.js';
import { WHITE } from '../pipeline/colours.js';
import type { Operation, Rgba, Trim } from '../pipeline/types.js';
import { planResize, type ResizePlan } from './resize-plan.js';
import type { ChainedStep, Size, Step } from './steps/types.js';

/**
 * The steps a pipeline's operations become and the size of the image after each, by arithmetic
 * alone, so that what a transform would cost is known (and refused) before a pixel is decoded,
 * each resize is planned once, and `format=json` can answer without decoding at all.
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

export { MAX_BLUR_WORK };

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

export interface PlannedSteps extends Geometry {
  /** The steps `operations` become, in order, each with its sizes and windows worked out. */
  readonly steps: readonly Step[];
}

/**
 * Walks `operations` from a `width × height` image of `frames` frames into the steps that run
 * them, refusing any step whose result passes the limits (output_too_large) or whose cost passes
 * its bound (operation_too_costly). `fill` is the colour fit=pad adds.
 */
export function planSteps(width: number, height: number, frames: number, operations: readonly Operation[], limits: GeometryLimits, fill: Rgba): PlannedSteps {
  let exact = true;
  // A crop or pad before a border: the border must go around their result (steps/pad.ts).
  let extended = false;
  const steps: Step[] = [];
  const grown = (step: string) => checkSize(width, height, frames, step, limits);
  for (const op of operations) {
    switch (op.op) {
      case 'trim':
        if (op.trim.mode === 'border') {
          steps.push({ kind: 'trim-border', trim: op.trim });
          exact = false; // never larger than before
        } else {
          const window = trimRect(op.trim, width, height);
          steps.push({ kind: 'trim', window });
          ({ width, height } = window);
        }
        break;
      case 'flip':
        steps.push({ kind: 'flip', horizontal: op.horizontal });
        break;
      case 'rotate':
        steps.push({ kind: 'rotate', angle: op.angle });
        if (op.angle !== 180) [width, height] = [height, width];
        break;
      case 'resize': {
        // libvips' attention strategy (gravity auto, face) reads one image, not frames: an
        // animation is cropped at the centre, one window for every frame (docs/url-grammar.md).
        const request = frames > 1 && op.gravity.mode !== 'point' ? { ...op, gravity: CENTRE } : op;
        const resize = resizeSteps(planResize(width, height, request), { width, height }, fill);
        steps.push(...resize.steps);
        ({ width, height } = resize.size);
        extended ||= resize.extends;
        grown('resize');
        break;
      }
      case 'adjust':
        steps.push({ kind: 'adjust', brightness: op.brightness, contrast: op.contrast, gamma: op.gamma, saturation: op.saturation });
        break;
      case 'blur': {
        const sigma = blurSigma(op.radius);
        const work = width * height * frames * sigma;
        if (work > MAX_BLUR_WORK) {
          throw errors.operationTooCostly(
            `blur=${op.radius} on a ${width}×${height}${frames > 1 ? `×${frames}-frame` : ''} image is ${work.toExponential(2)} units of work (area × sigma); the limit is ${MAX_BLUR_WORK.toExponential(2)}: blur a smaller image or use a smaller radius`,
          );
        }
        steps.push({ kind: 'blur', sigma });
        break;
      }
      case 'sharpen':
        steps.push({ kind: 'sharpen', sigma: 0.5 + op.amount / 2 });
        break;
      case 'border':
        steps.push({ kind: 'border', edges: op.edges, color: op.color, materialiseFirst: extended });
        width += op.edges.left + op.edges.right;
        height += op.edges.top + op.edges.bottom;
        grown('border');
        break;
    }
  }
  return { steps, width, height, exact };
}

/** The output size after `operations`, by arithmetic, with the same refusals as planSteps. */
export function planGeometry(width: number, height: number, frames: number, operations: readonly Operation[], limits: GeometryLimits): Geometry {
  const planned = planSteps(width, height, frames, operations, limits, WHITE);
  return { width: planned.width, height: planned.height, exact: planned.exact };
}

/**
 * One resize plan (resize-plan.ts) as steps. `before` is the size it was planned from; every size
 * in the plan is absolute, so the steps hold for any pixels of that image (a decoded level).
 */
function resizeSteps(plan: ResizePlan, before: Size, fill: Rgba): { steps: ChainedStep[]; size: Size; extends: boolean } {
  const steps: ChainedStep[] = [];
  let size = before;
  if (plan.crop && 'attention' in plan.crop) {
    // libvips scales to cover the window (the plan's own scale) and picks the window itself.
    size = { width: plan.crop.width, height: plan.crop.height };
    steps.push({ kind: 'crop-attention', window: size });
  } else {
    if (plan.scaleTo) {
      size = plan.scaleTo;
      steps.push({ kind: 'scale', to: size });
    }
    if (plan.crop) {
      size = { width: plan.crop.width, height: plan.crop.height };
      steps.push({ kind: 'crop', window: plan.crop });
    }
  }
  if (plan.pad) {
    const left = Math.floor((plan.pad.width - size.width) / 2);
    const top = Math.floor((plan.pad.height - size.height) / 2);
    const edges = { left, top, right: plan.pad.width - size.width - left, bottom: plan.pad.height - size.height - top };
    steps.push({ kind: 'pad', edges, background: fill });
    size = plan.pad;
  }
  return { steps, size, extends: plan.crop !== undefined || plan.pad !== undefined };
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
