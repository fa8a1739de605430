import type { Sharp } from 'sharp';
import type { Budget } from '../budget.js';
import type { Materialised } from '../materialise.js';
import { crop, cropByAttention } from './crop.js';
import { adjust, blur, sharpen } from './effects.js';
import { flip, rotate } from './orient.js';
import { border, pad } from './pad.js';
import { scale } from './resize.js';
import { trim, trimBorder } from './trim.js';
import type { ChainedStep, GeometryStep } from './types.js';

/** Runs one geometry step; each is materialised, so its result's size is known. */
export function applyGeometryStep(image: Sharp, step: GeometryStep, budget: Budget): Promise<Materialised> {
  switch (step.kind) {
    case 'trim':
      return trim(image, step.window, budget);
    case 'trim-border':
      return trimBorder(image, step.trim, budget);
    case 'flip':
      return flip(image, step.horizontal, budget);
    case 'rotate':
      return rotate(image, step.angle, budget);
  }
}

/** Adds one step to the pipeline; only gamma and a border after a crop or pad run libvips here. */
export async function applyChainedStep(image: Sharp, step: ChainedStep, budget: Budget): Promise<Sharp> {
  switch (step.kind) {
    case 'scale':
      return scale(image, step.to);
    case 'crop':
      return crop(image, step.window);
    case 'crop-attention':
      return cropByAttention(image, step.window);
    case 'pad':
      return pad(image, step.edges, step.background);
    case 'adjust':
      return adjust(image, step, budget);
    case 'blur':
      return blur(image, step.sigma);
    case 'sharpen':
      return sharpen(image, step.sigma);
    case 'border':
      return border(image, step.edges, step.color, step.materialiseFirst, budget);
  }
}
