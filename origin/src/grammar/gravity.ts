import type { Gravity } from './image-options.js';

/** The centre of the image: the default gravity, and what every grammar's "center" means. */
export const CENTRE: Gravity = { mode: 'point', x: 0.5, y: 0.5 };
