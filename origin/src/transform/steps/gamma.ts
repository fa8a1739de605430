import type { Sharp } from 'sharp';
import type { Budget } from '../budget.js';
import { rebase } from '../materialise.js';

/** sharp takes each of its two gamma exponents from 1 to 3. */
const SHARP_GAMMA_RANGE = 3;

/**
 * out = 255·(in/255)^(1/γ): γ>1 lightens, γ<1 darkens; alpha is left alone. libvips does the
 * per-pixel work (off the event loop, under the deadline). One sharp pipeline raises to
 * gamma / gammaOut, each from 1 to 3, so an exponent within [1/3, 3] takes one step and a
 * stronger one a step per factor of 3. Each step is materialised, so the adjustment lands
 * exactly where it stands in the pipeline whatever order sharp applies its own stages in.
 */
export async function gamma(image: Sharp, value: number, budget: Budget): Promise<Sharp> {
  let exponent = 1 / value;
  let current = await rebase(image, budget);
  do {
    const step = Math.min(Math.max(exponent, 1 / SHARP_GAMMA_RANGE), SHARP_GAMMA_RANGE);
    // gamma(g, gOut) raises to g before sharp's resize stage and to 1/gOut after it; there is no resize here.
    current = await rebase(current.gamma(Math.max(step, 1), Math.max(1 / step, 1)), budget);
    exponent /= step;
  } while (Math.abs(exponent - 1) > 1e-9);
  return current;
}
