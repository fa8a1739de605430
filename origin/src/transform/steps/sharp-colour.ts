import type { Rgba } from '../../pipeline/types.js';

/** A colour as sharp takes it. */
export const sharpColour = (c: Rgba) => ({ r: c.r, g: c.g, b: c.b, alpha: c.alpha });
