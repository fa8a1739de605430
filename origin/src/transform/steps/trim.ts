import type { Sharp } from 'sharp';
import type { Budget } from '../budget.js';
import { type Materialised, materialise, rebase } from '../materialise.js';
import { sharpColour } from './sharp-colour.js';
import type { BorderTrim, Window } from './types.js';

/** Keeps `window` (a trim by edges or rectangle, planned from the header). */
export function trim(image: Sharp, window: Window, budget: Budget): Promise<Materialised> {
  return materialise(image.extract(window), budget);
}

/**
 * Trims a uniform border; `keep` puts back that many pixels of the border colour (the given
 * colour, or the top-left pixel, which is what libvips trims against by default).
 */
export async function trimBorder(image: Sharp, border: BorderTrim, budget: Budget): Promise<Materialised> {
  const source = await rebase(image, budget);
  const trimmed = await materialise(
    source.clone().trim({
      ...(border.color && { background: sharpColour(border.color) }),
      ...(border.tolerance !== undefined && { threshold: border.tolerance }),
    }),
    budget,
  );
  if (!border.keep) return trimmed;
  const background = border.color ? sharpColour(border.color) : await topLeftPixel(source, budget);
  const keep = border.keep;
  return materialise(trimmed.image.extend({ top: keep, right: keep, bottom: keep, left: keep, background }), budget);
}

async function topLeftPixel(image: Sharp, budget: Budget) {
  const { data, info } = await budget.run(image.clone().extract({ left: 0, top: 0, width: 1, height: 1 }).raw());
  const alpha = info.channels === 4 || info.channels === 2 ? data[info.channels - 1]! / 255 : 1;
  const grey = info.channels <= 2;
  return { r: data[0]!, g: grey ? data[0]! : data[1]!, b: grey ? data[0]! : data[2]!, alpha };
}
