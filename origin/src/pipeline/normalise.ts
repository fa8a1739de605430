import { CENTRE } from '../grammar/gravity.js';
import { WHITE } from './colours.js';
import type { Edges, Gravity, ImageOptions, Operation, Pipeline, Rgba } from './types.js';

/**
 * ImageOptions → Pipeline: defaults filled, no-ops dropped, canonical order and spelling.
 * Two requests that must produce the same bytes normalise to deep-equal pipelines, so they
 * share a fingerprint (and ETag) whichever grammar, alias or option order they used.
 * Idempotent by construction: the Pipeline carries no option that could normalise differently.
 */

export const DEFAULT_FIT = 'scale-down';
export const DEFAULT_DPR = 1;

export function normalise(options: ImageOptions): Pipeline {
  if (options.variant !== undefined) {
    // Variants are expanded by the request path before normalising; reaching here is a wiring bug.
    throw new Error(`variant "${options.variant}" must be resolved before normalising`);
  }
  const dpr = options.dpr ?? DEFAULT_DPR;
  const operations: Operation[] = [];

  if (options.trim && !isEmptyTrim(options)) operations.push({ op: 'trim', trim: options.trim });
  operations.push(...orientation(options.flip, options.rotate ?? 0));

  const resize = resizeOperation(options, dpr);
  if (resize) operations.push(resize);

  // Cloudflare ignores brightness, contrast and gamma of 0 (a black or flat image is never the
  // intent); saturation 0 is a real request for greyscale.
  const factor = (value: number | undefined) => (value === undefined || value === 0 ? 1 : value);
  const adjust = {
    brightness: factor(options.brightness),
    contrast: factor(options.contrast),
    gamma: factor(options.gamma),
    saturation: options.saturation ?? 1,
  };
  if (Object.values(adjust).some((v) => v !== 1)) operations.push({ op: 'adjust', ...adjust });
  if (options.blur) operations.push({ op: 'blur', radius: options.blur });
  if (options.sharpen) operations.push({ op: 'sharpen', amount: options.sharpen });

  const border = borderOperation(options, dpr);
  if (border) operations.push(border);

  const fit = resize?.fit;
  return {
    operations,
    output: {
      format: options.format ?? 'original',
      ...(options.quality !== undefined && { quality: options.quality }),
      ...(options.slowConnectionQuality !== undefined && { slowConnectionQuality: options.slowConnectionQuality }),
      metadata: options.metadata ?? 'copyright',
      // White is the default fill, so an explicit white must not split the cache.
      ...(background(options, fit) && { background: background(options, fit) }),
      animated: options.anim ?? true,
      compression: options.compression === 'fast' ? 'fast' : 'default',
    },
  };
}

const isOpaqueWhite = (c: Rgba) => c.r === 255 && c.g === 255 && c.b === 255 && c.alpha === 1;

/** The fill under transparency and around fit=pad; undefined when the default (white) applies. */
function background(options: ImageOptions, fit: string | undefined): Rgba | undefined {
  if (options.background && !isOpaqueWhite(options.background)) return options.background;
  return fit === 'pad' ? WHITE : undefined;
}

function isEmptyTrim(options: ImageOptions): boolean {
  const trim = options.trim;
  if (!trim) return true;
  if (trim.mode === 'edges') return Object.values(trim.edges).every((v) => v === 0);
  if (trim.mode === 'rect') return trim.left === 0 && trim.top === 0 && trim.width === undefined && trim.height === undefined;
  return false;
}

/**
 * Flip-then-rotate forms the 8-element dihedral group; reduce every combination to an
 * optional horizontal flip followed by a rotation (flip v ≡ flip h + 180°, flip hv ≡ 180°).
 */
function orientation(flip: ImageOptions['flip'], rotate: number): Operation[] {
  const horizontal = flip === 'h' || flip === 'v';
  const angle = (rotate + (flip === 'v' || flip === 'hv' ? 180 : 0)) % 360;
  const ops: Operation[] = [];
  if (horizontal) ops.push({ op: 'flip', horizontal: true, vertical: false });
  if (angle !== 0) ops.push({ op: 'rotate', angle: angle as 90 | 180 | 270 });
  return ops;
}

function resizeOperation(options: ImageOptions, dpr: number): Extract<Operation, { op: 'resize' }> | undefined {
  // width=auto needs a client hint to mean anything; without one it is "no width" (docs/url-grammar.md).
  // A tiny dpr must not round a dimension away to nothing.
  const width = typeof options.width === 'number' ? Math.max(1, Math.round(options.width * dpr)) : undefined;
  const height = options.height !== undefined ? Math.max(1, Math.round(options.height * dpr)) : undefined;
  if (width === undefined && height === undefined) return undefined;
  const fit = options.fit ?? DEFAULT_FIT;
  // Gravity only decides anything when a box is cropped; elsewhere it must not split the cache.
  const crops = (fit === 'cover' || fit === 'crop') && width !== undefined && height !== undefined;
  return {
    op: 'resize',
    ...(width !== undefined && { width }),
    ...(height !== undefined && { height }),
    fit,
    gravity: crops ? canonicalGravity(options.gravity) : CENTRE,
  };
}

function canonicalGravity(gravity: Gravity | undefined): Gravity {
  if (!gravity) return CENTRE;
  if (gravity.mode !== 'side') return gravity;
  const points = { left: [0, 0.5], right: [1, 0.5], top: [0.5, 0], bottom: [0.5, 1] } as const;
  const [x, y] = points[gravity.side];
  return { mode: 'point', x, y };
}

function borderOperation(options: ImageOptions, dpr: number): Extract<Operation, { op: 'border' }> | undefined {
  const border = options.border;
  if (!border) return undefined;
  const raw: Edges = 'width' in border ? { top: border.width, right: border.width, bottom: border.width, left: border.width } : border.edges;
  // Border widths are CSS pixels, like width and height, so they scale with dpr.
  const edges: Edges = {
    top: Math.round(raw.top * dpr),
    right: Math.round(raw.right * dpr),
    bottom: Math.round(raw.bottom * dpr),
    left: Math.round(raw.left * dpr),
  };
  if (Object.values(edges).every((v) => v === 0)) return undefined;
  return { op: 'border', color: border.color, edges };
}
