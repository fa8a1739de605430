import sharp, { type Metadata } from 'sharp';
import { errors } from '../errors.js';
import { SHARP_FORMAT_NAMES } from '../sources/image-format.js';
import type { CheckedSourceBody } from './checked-source.js';
import { input } from './decode.js';
import type { SourceHeader } from './raster-cache.js';
import type { SourceRequest } from './source-request.js';

/** The source's header, from the decoded-source cache when it holds it, with the pixel limit enforced. */
export async function sourceHeader(request: SourceRequest, frames: 'all' | 'first'): Promise<SourceHeader> {
  const read = async () => readHeader(await request.body(), request.sourceName);
  const header = request.decoded ? await request.decoded.cache.header(request.decoded.key, read) : await read();
  enforcePixelLimit(header, frames, request.maxPixels);
  return header;
}

/** Reads the header only (no pixel decode); a rendered SVG brings its own. */
async function readHeader(body: CheckedSourceBody, sourceName: string): Promise<Metadata> {
  if (body.svgHeader) return body.svgHeader;
  let header: Metadata;
  try {
    header = await sharp(input(body), { limitInputPixels: false }).metadata();
  } catch {
    throw errors.unsupportedSourceFormat(sourceName);
  }
  if (!header.width || !header.height) throw errors.unsupportedSourceFormat(sourceName);
  // libvips chose its loader from the bytes too: it must be the one the sniffed format names.
  if (header.format !== SHARP_FORMAT_NAMES[body.format]) throw errors.unsupportedSourceFormat(sourceName);
  return header;
}

/** width × height × frames (the frames only when they are all kept) must be within `maxPixels` (413). */
function enforcePixelLimit(header: SourceHeader, frames: 'all' | 'first', maxPixels: number): void {
  const frameHeight = header.pageHeight ?? header.height;
  const frameCount = frames === 'all' ? (header.pages ?? 1) : 1;
  const pixels = header.width * frameHeight * frameCount;
  if (pixels > maxPixels) {
    throw errors.sourceTooLarge(
      `source is ${header.width}×${frameHeight}${frameCount > 1 ? `×${frameCount} frames` : ''} = ${pixels} pixels; the limit is ${maxPixels}`,
    );
  }
}

/** The source's size once its EXIF orientation is applied, in source pixels: what every operation refers to. */
export function orientedSize(header: SourceHeader): { readonly sourceWidth: number; readonly sourceHeight: number } {
  const width = header.width ?? 0;
  const height = header.height ?? 0;
  return (header.orientation ?? 1) >= 5 ? { sourceWidth: height, sourceHeight: width } : { sourceWidth: width, sourceHeight: height };
}
