import { isDeepStrictEqual } from 'node:util';
import { errors, fail, ImageCdnError, ok, type Result } from '../errors.js';
import { absoluteUrl } from './cloudflare-source.js';
import { CENTRE } from './gravity.js';
import type { Gravity, ImageOptions, Rgba } from './image-options.js';
import { MAX_TRIM_PIXELS } from './cloudflare-trim.js';
import { MAX_DIMENSION } from './cloudflare-values.js';
import { parseSignedDecimal, parseSignedInteger } from './numbers.js';

/**
 * Pieces shared by the grammars of hosted image services (imgix, Cloudinary, ImageKit): the
 * bounds, the scales those services use for effects, sizes and the rectangle crop, orientation
 * arithmetic and the merging of chained transformation steps into one set of ImageOptions.
 */

export type OptionsDraft = { -readonly [K in keyof ImageOptions]: ImageOptions[K] };

// The same bounds as the Cloudflare grammar, so a transform is accepted in every grammar or none.
export { MAX_BORDER, MAX_DIMENSION } from './cloudflare-values.js';
export { MAX_TRIM_PIXELS } from './cloudflare-trim.js';

/**
 * imgix, Cloudinary and ImageKit serve device pixel ratios up to 5 (imgix's own srcset asks for
 * 1–5); Cloudflare documents 2. The output limits apply to the size after dpr either way.
 */
export const MAX_HOSTED_DPR = 5;

/** A device pixel ratio: greater than 0, served as at most MAX_HOSTED_DPR. */
export function dprValue(text: string): number | undefined {
  const value = parseSignedDecimal(text, 0, Number.MAX_VALUE);
  return value === undefined || value === 0 ? undefined : Math.min(value, MAX_HOSTED_DPR);
}
export const DPR_ACCEPTS = `a number greater than 0 (values above ${MAX_HOSTED_DPR} are served as ${MAX_HOSTED_DPR})`;

/**
 * Chained steps in one URL, and components in one step. Real URLs use a handful; the bound keeps
 * the work of reading a URL small here and in the CloudFront function, which reads no further.
 */
export const MAX_STEPS = 10;
export const MAX_STEP_COMPONENTS = 32;

/** Refuses a chain or a step longer than the bounds above; undefined when within them. */
export function chainTooLong(steps: number, components: number): ImageCdnError | undefined {
  if (steps > MAX_STEPS) return errors.operationTooCostly(`more than ${MAX_STEPS} chained transformation steps`);
  if (components > MAX_STEP_COMPONENTS) return errors.operationTooCostly(`more than ${MAX_STEP_COMPONENTS} components in one transformation step`);
  return undefined;
}

/**
 * imgix and Cloudinary express brightness, contrast, gamma and saturation as a level in
 * -100..100 where 0 is "unchanged"; Cloudflare uses a multiplier where 1 is. Level L becomes
 * (100 + L) / 100, computed as an integer division so that e.g. 20 gives exactly 1.2. The
 * floor keeps the multiplier positive (a zero gamma or brightness has no defined output).
 */
export function levelToMultiplier(level: number): number {
  return Math.max(0.01, (100 + level) / 100);
}

/** imgix `blur` and Cloudinary `e_blur` use 0..2000; Cloudflare's blur radius is 1..250. */
export function blurFrom2000(strength: number): number {
  return Math.min(250, Math.max(1, Math.round(strength / 8)));
}

/** Compass positions shared by the services (imgix `crop`, Cloudinary `g_`, ImageKit `fo-`). */
export function compassGravity(vertical: 'top' | 'bottom' | undefined, horizontal: 'left' | 'right' | undefined): Gravity {
  if (vertical && horizontal) return { mode: 'point', x: horizontal === 'left' ? 0 : 1, y: vertical === 'top' ? 0 : 1 };
  if (vertical) return { mode: 'side', side: vertical };
  if (horizontal) return { mode: 'side', side: horizontal };
  return CENTRE;
}

/** How Cloudinary (`w_`) and ImageKit (`w-`) spell and read a requested size. */
export interface SizeSpelling {
  /** What follows a key in a parameter's name: `_` in `w_`, `-` in `w-`. */
  readonly separator: '_' | '-';
  /** Numbers up to this that are not whole pixels the service reads as relative to the source. */
  readonly relativeUpTo: number;
}

/**
 * `w` and `h` in pixels; `w` may also be `auto`, which takes the width from the Sec-CH-Width
 * client hint, as Cloudflare's width=auto does. Relative sizes need the source dimensions.
 */
export function requestedSize(
  spelling: SizeSpelling,
  widthText: string | undefined,
  heightText: string | undefined,
): Result<{ readonly width: number | 'auto' | undefined; readonly height: number | undefined }> {
  const width = widthText === 'auto' ? ok('auto' as const) : pixels(spelling, 'w', widthText);
  if (!width.ok) return width;
  const height = pixels(spelling, 'h', heightText);
  if (!height.ok) return height;
  return ok({ width: width.value, height: height.value });
}

function pixels(spelling: SizeSpelling, key: 'w' | 'h', text: string | undefined): Result<number | undefined> {
  if (text === undefined) return ok(undefined);
  const value = parseSignedInteger(text, 1, MAX_DIMENSION);
  if (value !== undefined) return ok(value);
  const name = `${key}${spelling.separator}`;
  if (parseSignedDecimal(text, 0, spelling.relativeUpTo) !== undefined) {
    return fail(errors.unsupportedOption(name, 'a size relative to the source needs the source dimensions; give pixels'));
  }
  return fail(errors.invalidOption(name, text, `an integer number of pixels, 1 to ${MAX_DIMENSION}${key === 'w' ? ', or auto' : ''}`));
}

/** How Cloudinary (`c_crop`, `x_`, `g_north_west`) and ImageKit (`cm-extract`, `x-`, `fo-top_left`) spell a rectangle crop. */
export interface RectangleCropSpelling {
  /** The crop mode as written. */
  readonly mode: string;
  /** What follows a key in a parameter's name: `_` in `x_`, `-` in `x-`. */
  readonly separator: '_' | '-';
  /** The gravity key (`g`, `fo`) and its top-left value. */
  readonly gravityKey: string;
  readonly topLeft: string;
}

/**
 * A crop mode that cuts a w×h region at x,y from the source without scaling: Cloudflare's trim
 * rectangle, set on `draft`. `values` holds the step's parameters by key (`x`, `y`).
 */
export function rectangleCrop(
  spelling: RectangleCropSpelling,
  values: ReadonlyMap<string, string | undefined>,
  width: number | 'auto' | undefined,
  height: number | undefined,
  gravityText: string | undefined,
  draft: OptionsDraft,
): Result<true> {
  const { mode, topLeft } = spelling;
  const name = (key: string) => `${key}${spelling.separator}`;
  if (typeof width !== 'number' || height === undefined) {
    return fail(errors.unsupportedOption(mode, `${mode} needs ${name('w')} and ${name('h')} in pixels`));
  }
  const anchored = values.has('x') || values.has('y') || gravityText === topLeft;
  if (!anchored) {
    const why = `${mode} needs ${name('x')} and ${name('y')} (or ${name(spelling.gravityKey)}${topLeft}): other anchors need the source dimensions`;
    return fail(errors.unsupportedOption(mode, why));
  }
  if (gravityText !== undefined && gravityText !== topLeft) {
    return fail(errors.unsupportedOption(name(spelling.gravityKey), `${mode} with ${name('x')}/${name('y')} is anchored at the top left here`));
  }
  const coordinate = (key: 'x' | 'y') => {
    const text = values.get(key);
    return text === undefined ? 0 : parseSignedInteger(text, 0, MAX_TRIM_PIXELS);
  };
  const left = coordinate('x');
  const top = coordinate('y');
  if (left === undefined) return fail(errors.invalidOption(name('x'), values.get('x') ?? '', 'a non-negative integer number of pixels'));
  if (top === undefined) return fail(errors.invalidOption(name('y'), values.get('y') ?? '', 'a non-negative integer number of pixels'));
  draft.trim = { mode: 'rect', left, top, width, height };
  return ok(true);
}

/**
 * A parameter naming one of this origin's variants (imgix `variant`, ImageKit `n-`): any
 * non-empty name. `key` is how the grammar's values are keyed, `name` how refusals spell it.
 */
export function variantParameter(key: string, name: string, accepts: string) {
  return (values: ReadonlyMap<string, string | undefined>, draft: OptionsDraft): Result<true> => {
    const text = values.get(key);
    if (text === undefined) return ok(true);
    if (text === '') return fail(errors.invalidOption(name, text, accepts));
    draft.variant = text;
    return ok(true);
  };
}

/** An orientation change: mirror left-right (if `mirror`), then rotate clockwise by `angle`. */
export interface Turn {
  readonly mirror: boolean;
  readonly angle: 0 | 90 | 180 | 270;
}

export const NO_TURN: Turn = { mirror: false, angle: 0 };

/** Any multiple of 90 (negative means counter-clockwise) as a clockwise angle. */
export function quarterTurn(degrees: number): Turn['angle'] | undefined {
  if (!Number.isInteger(degrees) || degrees % 90 !== 0) return undefined;
  return (((degrees % 360) + 360) % 360) as Turn['angle'];
}

/** `second` applied after `first`. A mirror reverses the sense of the rotation before it. */
export function composeTurns(first: Turn, second: Turn): Turn {
  const before = second.mirror ? 360 - first.angle : first.angle;
  return { mirror: first.mirror !== second.mirror, angle: ((before + second.angle) % 360) as Turn['angle'] };
}

/** EXIF orientation 1..8 as the turn that displays the image upright. */
export function exifTurn(orientation: number): Turn | undefined {
  const table: Record<number, Turn> = {
    1: NO_TURN,
    2: { mirror: true, angle: 0 },
    3: { mirror: false, angle: 180 },
    4: { mirror: true, angle: 180 },
    5: { mirror: true, angle: 270 },
    6: { mirror: false, angle: 90 },
    7: { mirror: true, angle: 90 },
    8: { mirror: false, angle: 270 },
  };
  return table[orientation];
}

export function turnFromFlip(flip: 'h' | 'v' | 'hv'): Turn {
  return flip === 'h' ? { mirror: true, angle: 0 } : flip === 'v' ? { mirror: true, angle: 180 } : { mirror: false, angle: 180 };
}

/** The turn an ImageOptions describes (Cloudflare applies flip, then rotate). */
export function turnOf(options: ImageOptions): Turn {
  const flip = options.flip ? turnFromFlip(options.flip) : NO_TURN;
  return composeTurns(flip, { mirror: false, angle: options.rotate ?? 0 });
}

/** A turn in Cloudflare's spelling: the plainest of flip/rotate that expresses it. */
export function turnOptions(turn: Turn): Pick<ImageOptions, 'flip' | 'rotate'> {
  if (!turn.mirror) return turn.angle === 0 ? {} : { rotate: turn.angle };
  if (turn.angle === 0) return { flip: 'h' };
  if (turn.angle === 180) return { flip: 'v' };
  return { flip: 'h', rotate: turn.angle };
}

/** `#`-less hex colour; `alphaFirst` for imgix's ARGB / AARRGGBB spelling. */
export function hexColor(digits: string, alphaFirst: boolean): Rgba | undefined {
  if (!/^(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(digits)) return undefined;
  const pairs = digits.length <= 4 ? [...digits].map((d) => d + d) : (digits.match(/../g) ?? []);
  const values = pairs.map((p) => Number.parseInt(p, 16));
  const [a, r, g, b] = values.length === 4 ? (alphaFirst ? values : [values[3], values[0], values[1], values[2]]) : [255, ...values];
  return { r: r ?? 0, g: g ?? 0, b: b ?? 0, alpha: (a ?? 255) / 255 };
}

/** Decodes a percent-encoded path; undefined when the encoding is malformed. */
export function decodePath(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export const isAbsoluteUrl = (source: string): boolean => /^https?:\/\/[^/]/i.test(source);

/**
 * A decoded source path of a hosted grammar: an absolute URL in its one canonical spelling (as
 * the Cloudflare grammar gives it), or a path under the mounts without leading slashes.
 */
export function hostedSource(decoded: string): Result<string> {
  if (decoded.includes('\0')) return fail(errors.malformedUrl('source path contains a NUL byte (%00)'));
  return isAbsoluteUrl(decoded) ? absoluteUrl(decoded) : ok(decoded.replace(/^\/+/, ''));
}

/** One step of a chained transformation, already translated into ImageOptions. */
export interface Step {
  /** The step as written, for error messages. */
  readonly text: string;
  readonly options: ImageOptions;
}

const chainError = (step: Step, index: number, why: string) =>
  new ImageCdnError('invalid_option', 400, `transformation step ${index + 1} ("${step.text}") ${why}`);

/**
 * Chained steps (Cloudinary `a/b`, ImageKit `a:b`) become one ImageOptions when that is
 * faithful: each option is set by one step (or by several with the same value); rotations
 * compose; a rotation or flip after a resize is moved before it (turning the box and gravity);
 * a crop rectangle must come before any rotation or resize, and a resize before any blur,
 * sharpen or border (their size depends on it). Anything else is refused naming the step,
 * rather than silently producing a different image.
 */
export function mergeSteps(steps: readonly Step[]): Result<ImageOptions> {
  const merged: OptionsDraft = {};
  let turn = NO_TURN;
  let resized = false;
  // Blur, sharpen and borders come after the resize in Cloudflare's order; before it they differ.
  let filtered = false;
  for (const [index, step] of steps.entries()) {
    const { flip, rotate, ...rest } = step.options;
    if (rest.trim && (resized || turn.mirror || turn.angle !== 0)) {
      return fail(chainError(step, index, 'crops after a resize or rotation, which cannot be expressed as one transform; crop first'));
    }
    const stepTurn = turnOf({ ...(flip && { flip }), ...(rotate !== undefined && { rotate }) });
    if (stepTurn.mirror || stepTurn.angle !== 0) {
      const refusal = resized ? moveTurnBeforeResize(merged, stepTurn) : undefined;
      if (refusal) return fail(chainError(step, index, refusal));
      turn = composeTurns(turn, stepTurn);
    }
    for (const [key, value] of Object.entries(rest) as [keyof ImageOptions, unknown][]) {
      if (value === undefined) continue;
      const previous = merged[key];
      if (previous !== undefined && !isDeepStrictEqual(previous, value)) {
        return fail(chainError(step, index, `sets ${key} again with a different value; chained steps must combine into one transform`));
      }
      (merged as Record<string, unknown>)[key] = value;
    }
    const resizes = step.options.width !== undefined || step.options.height !== undefined;
    if (resizes && filtered) {
      return fail(chainError(step, index, 'resizes after a blur, sharpen or border, which cannot be expressed as one transform; resize first'));
    }
    if (resizes) resized = true;
    if (rest.blur !== undefined || rest.sharpen !== undefined || rest.border !== undefined) filtered = true;
  }
  return ok({ ...merged, ...turnOptions(turn) });
}

/**
 * Cloudflare turns the image before resizing it. Turning after a resize gives the same image
 * as turning first and resizing into the turned box with the turned gravity, which is what
 * this rewrites `resized` to. Returns why not, when that cannot be expressed.
 */
function moveTurnBeforeResize(resized: OptionsDraft, turn: Turn): string | undefined {
  const quarter = turn.angle === 90 || turn.angle === 270;
  if (quarter && resized.width === 'auto') return 'turns a width=auto resize by a quarter, which cannot be expressed; rotate first';
  if (resized.border && 'edges' in resized.border) return 'turns an uneven border, which cannot be expressed; rotate first';
  if (quarter) {
    const { width, height } = resized;
    delete resized.width;
    delete resized.height;
    if (height !== undefined) resized.width = height;
    if (typeof width === 'number') resized.height = width;
  }
  const gravity = resized.gravity;
  if (gravity && (gravity.mode === 'point' || gravity.mode === 'side')) {
    const sides = { left: [0, 0.5], right: [1, 0.5], top: [0.5, 0], bottom: [0.5, 1] } as const;
    const [x, y] = gravity.mode === 'point' ? [gravity.x, gravity.y] : sides[gravity.side];
    resized.gravity = turnPoint(turn, x, y);
  }
  return undefined;
}

/** Where a relative point of the image lands after `turn`. */
function turnPoint(turn: Turn, x: number, y: number): Gravity {
  const mx = turn.mirror ? 1 - x : x;
  const [tx, ty] = turn.angle === 90 ? [1 - y, mx] : turn.angle === 180 ? [1 - mx, 1 - y] : turn.angle === 270 ? [y, 1 - mx] : [mx, y];
  return { mode: 'point', x: tx, y: ty };
}
