import type { ImageOptions } from '../../pipeline/types.js';

/**
 * An orientation as the hosted grammars spell it: mirror left-right (if `mirror`), then turn
 * clockwise by `angle`. The same algebra as the origin's grammar/hosted.ts, which cannot be sent
 * to a browser (it uses node:util); the round-trip tests hold the two together.
 */
export interface Turn {
  readonly mirror: boolean;
  readonly angle: 0 | 90 | 180 | 270;
}

/** Cloudflare flips, then rotates. */
export function turnOf(options: Pick<ImageOptions, 'flip' | 'rotate'>): Turn {
  const flip: Turn =
    options.flip === 'h'
      ? { mirror: true, angle: 0 }
      : options.flip === 'v'
        ? { mirror: true, angle: 180 }
        : options.flip === 'hv'
          ? { mirror: false, angle: 180 }
          : { mirror: false, angle: 0 };
  return { mirror: flip.mirror, angle: ((flip.angle + (options.rotate ?? 0)) % 360) as Turn['angle'] };
}

export const isNoTurn = (turn: Turn): boolean => !turn.mirror && turn.angle === 0;

/** EXIF orientations 1..8 (imgix `orient`) by the turn that shows the image upright. */
export const EXIF_TURNS: readonly Turn[] = [
  { mirror: false, angle: 0 },
  { mirror: true, angle: 0 },
  { mirror: false, angle: 180 },
  { mirror: true, angle: 180 },
  { mirror: true, angle: 270 },
  { mirror: false, angle: 90 },
  { mirror: true, angle: 90 },
  { mirror: false, angle: 270 },
];
