import type { Sharp } from 'sharp';
import type { Budget } from '../budget.js';
import { type Materialised, materialise } from '../materialise.js';

/** A horizontal flip (normalising writes every flip and turn as an optional one of these and a rotation). */
export function flip(image: Sharp, horizontal: boolean, budget: Budget): Promise<Materialised> {
  return materialise(horizontal ? image.flop() : image, budget);
}

/** A quarter, half or three-quarter turn, clockwise. */
export function rotate(image: Sharp, angle: 90 | 180 | 270, budget: Budget): Promise<Materialised> {
  return materialise(image.rotate(angle), budget);
}
