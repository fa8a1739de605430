/**
 * Raw sharp: one pipeline, sharp's defaults for everything the transform does not name (quality,
 * effort, threads). The ceiling (ceiling-worker.ts) and the bare HTTP server
 * (servers/bare-server.ts) both call this, so the two do exactly the same work per image.
 */
import sharp, { type Sharp } from 'sharp';
import type { Transform } from './cases.js';

export const resizeOf = (t: Transform) =>
  t.height === undefined ? { width: t.width, withoutEnlargement: true } : { width: t.width, height: t.height, fit: 'cover' as const };

export const encode = (image: Sharp, t: Transform) => image.toFormat(t.format, t.quality === undefined ? {} : { quality: t.quality });

export function rawSharp(file: string, t: Transform): Promise<Buffer> {
  return encode(sharp(file).resize(resizeOf(t)), t).toBuffer();
}
