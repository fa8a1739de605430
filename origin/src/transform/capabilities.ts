import sharp from 'sharp';
import type { EncoderCapabilities } from './negotiate.js';

/** What this libvips build can encode, probed once at start. */
export function probeCapabilities(): EncoderCapabilities {
  return { avif: Boolean(sharp.format.heif?.output?.buffer), webp: Boolean(sharp.format.webp?.output?.buffer) };
}
