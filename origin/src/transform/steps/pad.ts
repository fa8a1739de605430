import type { Sharp } from 'sharp';
import type { Edges, Rgba } from '../../pipeline/types.js';
import type { Budget } from '../budget.js';
import { rebase } from '../materialise.js';
import { sharpColour } from './sharp-colour.js';

/** fit=pad: `edges` of `background` around the image. */
export function pad(image: Sharp, edges: Edges, background: Rgba): Sharp {
  return image.extend({ ...edges, background: sharpColour(background) });
}

/**
 * A border of `color` around the image. sharp keeps one extend per pipeline and runs it before a
 * post-resize crop; a padded or cropped image must be materialised first so the border goes
 * around the final frame.
 */
export async function border(image: Sharp, edges: Edges, color: Rgba, materialiseFirst: boolean, budget: Budget): Promise<Sharp> {
  const framed = materialiseFirst ? await rebase(image, budget) : image;
  return framed.extend({ ...edges, background: sharpColour(color) });
}
