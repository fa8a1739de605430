import type { Rgba } from './types.js';

/** The default fill: under transparency when the output has no alpha, and around fit=pad. */
export const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
