import type { Sharp } from 'sharp';
import type { Size } from './types.js';

/**
 * Scales to exactly `to` (output pixels), whatever the size of the pixels it receives: the
 * source's, or a decoded level's. Run on a freshly decoded source, libvips shrinks on load.
 */
export function scale(image: Sharp, to: Size): Sharp {
  return image.resize(to.width, to.height, { fit: 'fill' });
}
