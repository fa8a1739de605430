import sharp, { type Sharp } from 'sharp';
import type { Size, Window } from './types.js';

/** Cuts `window` (in the scaled image's pixels) out of the image. */
export function crop(image: Sharp, window: Window): Sharp {
  return image.extract(window);
}

/**
 * Scales to cover `window` and keeps the most interesting part (libvips' attention strategy, for
 * gravity auto and face). libvips computes the scale from the pixels it receives.
 */
export function cropByAttention(image: Sharp, window: Size): Sharp {
  return image.resize(window.width, window.height, { fit: 'cover', position: sharp.strategy.attention });
}
