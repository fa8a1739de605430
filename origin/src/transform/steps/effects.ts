import type { Sharp } from 'sharp';
import type { Budget } from '../budget.js';
import { gamma } from './gamma.js';

export interface Adjustment {
  readonly brightness: number;
  readonly contrast: number;
  readonly gamma: number;
  readonly saturation: number;
}

/** Brightness, saturation and contrast as factors (1 is no change), then gamma. */
export async function adjust(image: Sharp, adjustment: Adjustment, budget: Budget): Promise<Sharp> {
  if (adjustment.brightness !== 1 || adjustment.saturation !== 1) {
    image = image.modulate({ brightness: adjustment.brightness, saturation: adjustment.saturation });
  }
  // Contrast pivots around mid-grey.
  if (adjustment.contrast !== 1) image = image.linear(adjustment.contrast, 128 * (1 - adjustment.contrast));
  if (adjustment.gamma !== 1) image = await gamma(image, adjustment.gamma, budget);
  return image;
}

/** Gaussian blur of `sigma` (output-geometry.ts bounds its cost). */
export const blur = (image: Sharp, sigma: number): Sharp => image.blur(sigma);

export const sharpen = (image: Sharp, sigma: number): Sharp => image.sharpen({ sigma });
