import type { Sharp } from 'sharp';
import { WHITE } from '../../pipeline/colours.js';
import type { OutputFormat, Pipeline } from '../../pipeline/types.js';
import type { Budget, RunResult } from '../budget.js';
import { ENCODER_DEFAULTS, qualityFor } from '../encoder-settings.js';
import { sharpColour } from './sharp-colour.js';

export interface EncodeSettings {
  /** The concrete output format, already negotiated. */
  readonly format: OutputFormat;
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  readonly output: Pipeline['output'];
  /** An animation's frame delays (ms) and loop count (0: forever), from the source's header. */
  readonly animation?: Animation;
}

export interface Animation {
  readonly delay?: readonly number[];
  readonly loop?: number;
}

/** Runs the pipeline into `format`, in sRGB, with the encoder settings every fingerprint names (encoder-settings.ts). */
export function encode(image: Sharp, settings: EncodeSettings, budget: Budget): Promise<RunResult> {
  const { format, output } = settings;
  // Formats without alpha get the background under any transparency.
  if (format === 'jpeg' || format === 'baseline-jpeg') image = image.flatten({ background: sharpColour(output.background ?? WHITE) });
  return budget.run(encoder(image.toColourspace('srgb'), settings));
}

function encoder(image: Sharp, { format, quality: requested, output, animation }: EncodeSettings): Sharp {
  const fast = output.compression === 'fast';
  const quality = qualityFor(format, requested);
  // Set again on an animation's writer: pixels that went through raw (materialise.ts) lost them.
  const frames = animation && { ...(animation.delay && { delay: [...animation.delay] }), ...(animation.loop !== undefined && { loop: animation.loop }) };
  switch (format) {
    case 'jpeg':
    case 'baseline-jpeg': {
      const settings = ENCODER_DEFAULTS[format];
      return image.jpeg({ quality, progressive: settings.progressive, mozjpeg: settings.mozjpeg, chromaSubsampling: settings.chromaSubsampling });
    }
    case 'webp':
      return image.webp({ quality, effort: fast ? ENCODER_DEFAULTS.webp.fastEffort : ENCODER_DEFAULTS.webp.effort, ...frames });
    case 'avif':
      return image.avif({
        quality,
        effort: fast ? ENCODER_DEFAULTS.avif.fastEffort : ENCODER_DEFAULTS.avif.effort,
        chromaSubsampling: ENCODER_DEFAULTS.avif.chromaSubsampling,
      });
    case 'png':
      return image.png({
        compressionLevel: fast ? ENCODER_DEFAULTS.png.fastCompressionLevel : ENCODER_DEFAULTS.png.compressionLevel,
        palette: ENCODER_DEFAULTS.png.palette,
      });
    case 'gif':
      return image.gif({ effort: fast ? ENCODER_DEFAULTS.gif.fastEffort : ENCODER_DEFAULTS.gif.effort, ...frames });
  }
}
