import sharp, { type Sharp } from 'sharp';
import { errors, ImageCdnError } from '../errors.js';
import type { Budget } from './budget.js';
import type { CheckedSourceBody } from './checked-source.js';
import { allowOnlyImageDecoders } from './decoders.js';
import { fromRaw, toRaster } from './materialise.js';
import type { Raster } from './raster-cache.js';
import type { SourceLevel } from './source-level.js';
import type { SourceRequest } from './source-request.js';

/**
 * Where a transform's pixels come from. libvips decodes lazily: the source's bytes are decoded
 * during the first run of a pipeline that starts from them, so a failure of that run, and of no
 * later one, may be the source's fault (decodingBudget).
 */

/** What sharp reads, once only the loaders of the formats the origin serves are left (decoders.ts). */
export function input(body: CheckedSourceBody): string | Buffer {
  allowOnlyImageDecoders();
  // From a path, librsvg would resolve the SVG's relative references next to the file.
  if (body.kind === 'file' && body.format === 'svg') throw new Error('an SVG source must be rendered from memory');
  return body.kind === 'file' ? body.path : body.bytes;
}

const decodeOptions = (animated: boolean, maxPixels: number) => ({
  animated,
  limitInputPixels: maxPixels,
  sequentialRead: true,
  failOn: 'error' as const,
});

/** The source as it is, oriented; libvips may still shrink it on load for a resize that follows. */
export function decodeSource(body: CheckedSourceBody, animated: boolean, maxPixels: number): Sharp {
  return sharp(input(body), decodeOptions(animated, maxPixels)).autoOrient();
}

/**
 * A pipeline starting from the level's pixels (`level.width × level.height`, level pixels):
 * oriented, sRGB, 8-bit; decoded once per source and level while the cache keeps them.
 */
export async function decodeLevel(level: SourceLevel, request: SourceRequest, budget: Budget): Promise<Sharp> {
  const decode = async (): Promise<Raster> => {
    const pipeline = decodeSource(await request.body(), false, request.maxPixels)
      .resize(level.width, level.height, { fit: 'fill' })
      .toColourspace('srgb');
    try {
      return await toRaster(pipeline, budget);
    } catch (error) {
      throw decodeFailure(error, request.sourceName);
    }
  };
  const { decoded } = request;
  return fromRaw(await (decoded ? decoded.cache.get(`${decoded.key}|level:${level.factor}`, decode, decoded.whileShared) : decode()));
}

/**
 * A budget for a pipeline that starts from the source's bytes: its first run decodes them, so
 * that run's failure is named as the source's (decodeFailure); later runs start from pixels.
 */
export function decodingBudget(budget: Budget, sourceName: string): Budget {
  let decoded = false;
  return {
    async run(image) {
      if (decoded) return budget.run(image);
      decoded = true;
      try {
        return await budget.run(image);
      } catch (error) {
        throw decodeFailure(error, sourceName);
      }
    },
  };
}

/**
 * A failed decode, named by what libvips reported. Its loaders report only a message (the error
 * is a plain Error), so the message is read here, where the run is known to be the decode: a
 * file gone since its header was read, the pixel limit (a header that lied), or bytes the
 * loader could not read. Anything else is not the source's fault and stays as it is.
 */
function decodeFailure(error: unknown, sourceName: string): unknown {
  if (error instanceof ImageCdnError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/input file is missing/i.test(message)) return errors.sourceNotFound(sourceName);
  if (/pixel limit/i.test(message)) return errors.sourceTooLarge(`source exceeds the pixel limit`);
  if (/unsupported image format|corrupt|premature end|bad|invalid|VipsJpeg|vipspng|gifload|webpload|heifload/i.test(message)) {
    return errors.unsupportedSourceFormat(sourceName);
  }
  return error;
}
