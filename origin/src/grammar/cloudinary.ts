import { errors, fail, ok, type Result } from '../errors.js';
import { CENTRE } from './gravity.js';
import type { Fit, Gravity, ImageOptions, ImageRequest, RequestedFormat, Rgba } from './image-options.js';
import { absoluteUrl } from './cloudflare-source.js';
import { parseCssColor } from './color.js';
import {
  blurFrom2000,
  chainTooLong,
  compassGravity,
  composeTurns,
  decodePath,
  dprValue,
  DPR_ACCEPTS,
  hexColor,
  isAbsoluteUrl,
  levelToMultiplier,
  MAX_BORDER,
  mergeSteps,
  NO_TURN,
  type OptionsDraft,
  quarterTurn,
  rectangleCrop,
  type RectangleCropSpelling,
  requestedSize,
  type SizeSpelling,
  type Step,
  turnOptions,
  type Turn,
} from './hosted.js';
import { parseSignedDecimal, parseSignedInteger } from './numbers.js';
import type { NumberSpelling } from './spelling.js';

/**
 * Cloudinary's grammar: `/<cloud>/image/upload/[s--SIG--/]<step>/<step>/[v123/]<public id>`,
 * each step a comma-separated list of `key_value` components (`w_600,h_400,c_fill,g_auto`).
 * The cloud name is optional and not part of the source: the public ID is the source path (or,
 * for `image/fetch`, the remote URL). Chained steps are merged when one transform expresses
 * them (see mergeSteps). The query string carries no transform and is ignored (Cloudinary's SDKs
 * add `_a=` analytics to it). Mapping onto Cloudflare's options: docs/url-grammar.md#cloudinary.
 */

/** Every transformation key Cloudinary defines; a path segment made only of these is a step. */
export const CLOUDINARY_KEYS: readonly string[] = [
  'a',
  'ac',
  'af',
  'ar',
  'b',
  'bo',
  'br',
  'c',
  'co',
  'cs',
  'd',
  'dl',
  'dn',
  'dpr',
  'du',
  'e',
  'eo',
  'f',
  'fl',
  'fn',
  'fps',
  'g',
  'h',
  'if',
  'ki',
  'l',
  'o',
  'p',
  'pg',
  'q',
  'r',
  'so',
  'sp',
  't',
  'u',
  'vc',
  'vs',
  'w',
  'x',
  'y',
  'z',
];
const KNOWN_KEYS: ReadonlySet<string> = new Set(CLOUDINARY_KEYS);
const SUPPORTED_KEYS = ['w', 'h', 'ar', 'c', 'g', 'x', 'y', 'f', 'q', 'dpr', 'e', 'a', 'b', 'bo', 'fl', 't'] as const;
const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED_KEYS);

const DELIVERY_TYPES = new Set(['upload', 'fetch']);
const UNSUPPORTED_DELIVERY_TYPES = new Set([
  'private',
  'authenticated',
  'list',
  'sprite',
  'facebook',
  'twitter',
  'gravatar',
  'youtube',
  'multi',
  'text',
  'asset',
]);

const FORMATS: Readonly<Record<string, RequestedFormat>> = {
  auto: 'auto',
  jpg: 'baseline-jpeg',
  jpeg: 'baseline-jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
};

const QUALITY_PRESETS: Readonly<Record<string, ImageOptions['quality']>> = {
  auto: 'medium-high',
  'auto:good': 'medium-high',
  'auto:best': 'high',
  'auto:eco': 'medium-low',
  'auto:low': 'low',
};

const GRAVITIES: Readonly<Record<string, Gravity>> = {
  center: CENTRE,
  centre: CENTRE,
  north: compassGravity('top', undefined),
  south: compassGravity('bottom', undefined),
  east: compassGravity(undefined, 'right'),
  west: compassGravity(undefined, 'left'),
  north_east: compassGravity('top', 'right'),
  north_west: compassGravity('top', 'left'),
  south_east: compassGravity('bottom', 'right'),
  south_west: compassGravity('bottom', 'left'),
  auto: { mode: 'auto' },
  'auto:subject': { mode: 'auto' },
  'auto:classic': { mode: 'auto' },
  'auto:face': { mode: 'face' },
  'auto:faces': { mode: 'face' },
  face: { mode: 'face' },
  faces: { mode: 'face' },
  'face:center': { mode: 'face' },
  'faces:center': { mode: 'face' },
};

/** c_crop cuts a w×h region at x_,y_ from the source. */
const C_CROP: RectangleCropSpelling = { mode: 'c_crop', separator: '_', gravityKey: 'g', topLeft: 'north_west' };

/** w_ and h_: decimals up to 100 are Cloudinary's relative sizes. */
const SIZE: SizeSpelling = { separator: '_', relativeUpTo: 100 };

const invalid = (name: string, value: string, accepts: string) => fail<never>(errors.invalidOption(name, value, accepts));
const unsupported = (name: string, why: string) => fail<never>(errors.unsupportedOption(name, why));

export function parseCloudinary(pathname: string, _search: string): Result<ImageRequest> | undefined {
  const segments = pathname.split('/').slice(1);
  const start = segments[0] === 'image' ? 0 : segments[1] === 'image' ? 1 : -1;
  if (start < 0) return undefined;
  const type = segments[start + 1] ?? '';
  if (UNSUPPORTED_DELIVERY_TYPES.has(type)) {
    return unsupported(`image/${type}`, `Cloudinary delivery type "${type}" is not served here; use image/upload or image/fetch`);
  }
  if (!DELIVERY_TYPES.has(type)) return undefined;

  // An index, not repeated slicing: a URL of many segments costs one pass.
  let at = start + 2;
  if (/^s--[A-Za-z0-9_-]+--$/.test(segments[at] ?? '')) at++;
  const steps: Step[] = [];
  while (at < segments.length - 1 && isStep(segments[at] ?? '')) {
    const text = decodePath(segments[at] ?? '');
    if (text === undefined) return fail(errors.malformedUrl(`malformed percent-encoding in transformation "${segments[at]}"`));
    const components = text.split(',');
    const tooLong = chainTooLong(steps.length + 1, components.length);
    if (tooLong) return fail(tooLong);
    const step = parseStep(components);
    if (!step.ok) return step;
    steps.push({ text, options: step.value });
    at++;
  }
  if (at < segments.length - 1 && /^v\d+$/.test(segments[at] ?? '')) at++;

  const source = cloudinarySource(type, segments.slice(at).join('/'));
  if (!source.ok) return source;
  const options = mergeSteps(steps);
  if (!options.ok) return options;
  return ok({ grammar: 'cloudinary', source: source.value, options: options.value });
}

/** A path segment is a step when every component starts with a Cloudinary key. */
function isStep(segment: string): boolean {
  if (segment === '') return false;
  return segment.split(',').every((component) => {
    if (component.startsWith('$')) return true;
    const key = /^([a-z]+)_/.exec(component)?.[1];
    return key !== undefined && KNOWN_KEYS.has(key);
  });
}

function cloudinarySource(type: string, raw: string): Result<string> {
  const decoded = decodePath(raw);
  if (decoded === undefined) return fail(errors.malformedUrl(`malformed percent-encoding in public ID "${raw}"`));
  if (decoded === '') return fail(errors.malformedUrl('Cloudinary URL has no public ID'));
  if (type === 'fetch') {
    // Path normalisation may have folded the "//" after the scheme.
    const url = decoded.replace(/^(https?):\/(?!\/)/i, '$1://');
    if (!isAbsoluteUrl(url)) return fail(errors.malformedUrl(`image/fetch needs an absolute http(s) URL, not "${decoded}"`));
    return absoluteUrl(url);
  }
  if (decoded.includes('\0')) return fail(errors.malformedUrl('public ID contains a NUL byte (%00)'));
  return ok(decoded);
}

interface Components {
  readonly values: ReadonlyMap<string, string>;
}

function parseStep(components: readonly string[]): Result<ImageOptions> {
  const values = new Map<string, string>();
  for (const component of components) {
    if (component.startsWith('$')) return unsupported(component, 'Cloudinary user variables are not supported');
    const separator = component.indexOf('_');
    const key = component.slice(0, separator);
    const value = component.slice(separator + 1);
    if (!SUPPORTED_SET.has(key)) {
      if (KNOWN_KEYS.has(key)) return unsupported(`${key}_`, `Cloudinary parameter "${key}_" has no equivalent on this origin`);
      return fail(errors.unknownOption(`${key}_`, SUPPORTED_KEYS.map((k) => `${k}_`).join(', ')));
    }
    if (values.has(key)) return invalid(`${key}_`, value, 'the parameter once per step');
    values.set(key, value);
  }
  const draft: OptionsDraft = {};
  for (const apply of [resize, format, quality, dpr, effect, angle, background, border, namedTransformation]) {
    const applied = apply({ values }, draft);
    if (!applied.ok) return applied;
  }
  return ok(draft);
}

type Apply = (step: Components, draft: OptionsDraft) => Result<true>;
const done = ok(true as const);

const resize: Apply = ({ values }, draft) => {
  const size = requestedSize(SIZE, values.get('w'), values.get('h'));
  if (!size.ok) return size;
  let { width: w, height: h } = size.value;
  const ratioText = values.get('ar');
  if (ratioText !== undefined) {
    const ratio = aspectRatio(ratioText);
    if (ratio === undefined) return invalid('ar_', ratioText, 'width:height (16:9) or a decimal ratio');
    if (typeof w === 'number' && h === undefined) h = Math.max(1, Math.round(w / ratio));
    else if (h !== undefined && w === undefined) w = Math.max(1, Math.round(h * ratio));
    else return unsupported('ar_', 'give exactly one of w_ and h_ with ar_');
  }
  const crop = values.get('c') ?? 'scale';
  const gravityText = values.get('g');
  const gravity = gravityText === undefined ? undefined : GRAVITIES[gravityText];
  if (gravityText !== undefined && !gravity) return invalid('g_', gravityText, Object.keys(GRAVITIES).join(', '));
  if (crop === 'crop') return rectangleCrop(C_CROP, values, w, h, gravityText, draft);
  if (values.has('x') || values.has('y')) return unsupported('x_', 'x_ and y_ are supported only with c_crop');

  const both = w !== undefined && h !== undefined;
  const fits: Readonly<Record<string, Fit>> = {
    scale: both ? 'squeeze' : 'contain',
    fit: 'contain',
    limit: 'scale-down',
    fill: 'cover',
    lfill: 'crop',
    thumb: 'cover',
    auto: 'cover',
    pad: 'pad',
  };
  const fit = fits[crop];
  if (!fit) {
    if (['mfit', 'lpad', 'mpad', 'fill_pad', 'auto_pad', 'imagga_crop', 'imagga_scale'].includes(crop)) {
      return unsupported('c_', `c_${crop} has no equivalent on this origin`);
    }
    return invalid('c_', crop, `${Object.keys(fits).join(', ')}, crop`);
  }
  if (fit === 'pad' && gravity && !(gravity.mode === 'point' && gravity.x === 0.5 && gravity.y === 0.5)) {
    return unsupported('g_', 'c_pad always centres the image here');
  }
  if (w === undefined && h === undefined) return done;
  if (w !== undefined) draft.width = w;
  if (h !== undefined) draft.height = h;
  draft.fit = fit;
  const chosen = gravity ?? (crop === 'auto' ? ({ mode: 'auto' } as const) : undefined);
  if (chosen && (fit === 'cover' || fit === 'crop')) draft.gravity = chosen;
  return done;
};

function aspectRatio(text: string): number | undefined {
  const pair = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
  const ratio = pair ? Number(pair[1]) / Number(pair[2]) : parseSignedDecimal(text, 0, 1000);
  return ratio !== undefined && Number.isFinite(ratio) && ratio > 0 ? ratio : undefined;
}

const format: Apply = ({ values }, draft) => {
  const text = values.get('f');
  const flags = (values.get('fl') ?? '').split('.').filter((f) => f !== '');
  const bad = flags.find((f) => f !== 'progressive' && f !== 'keep_iptc');
  if (bad !== undefined) return unsupported('fl_', `flag "${bad}" has no equivalent on this origin; accepted: progressive, keep_iptc`);
  if (flags.includes('keep_iptc')) draft.metadata = 'keep';
  if (text === undefined) return done;
  const mapped = FORMATS[text];
  if (!mapped) return invalid('f_', text, Object.keys(FORMATS).join(', '));
  // Cloudinary writes baseline JPEG unless fl_progressive asks otherwise.
  draft.format = mapped === 'baseline-jpeg' && flags.includes('progressive') ? 'jpeg' : mapped;
  return done;
};

const quality: Apply = ({ values }, draft) => {
  const text = values.get('q');
  if (text === undefined) return done;
  const preset = QUALITY_PRESETS[text];
  if (preset !== undefined) {
    draft.quality = preset;
    return done;
  }
  const value = parseSignedInteger(text, 1, 100);
  if (value === undefined) return invalid('q_', text, `an integer from 1 to 100, or ${Object.keys(QUALITY_PRESETS).join(', ')}`);
  draft.quality = value;
  return done;
};

const dpr: Apply = ({ values }, draft) => {
  const text = values.get('dpr');
  if (text === undefined) return done;
  if (text === 'auto') return unsupported('dpr_', 'dpr_auto needs client hints; give a number, or use w_auto');
  const value = dprValue(text);
  if (value === undefined) return invalid('dpr_', text, DPR_ACCEPTS);
  draft.dpr = value;
  return done;
};

/** e_<effect>[:<level>]: the effects with a Cloudflare counterpart. */
const effect: Apply = ({ values }, draft) => {
  const text = values.get('e');
  if (text === undefined) return done;
  const [name = '', levelText, ...extra] = text.split(':');
  const level = (min: number, max: number, fallback: number): number | undefined =>
    levelText === undefined ? fallback : extra.length > 0 ? undefined : parseSignedInteger(levelText, min, max);
  const ranges: Record<string, readonly [number, number, number]> = {
    blur: [1, 2000, 100],
    sharpen: [1, 2000, 100],
    brightness: [-99, 100, 80],
    contrast: [-100, 100, 0],
    gamma: [-50, 150, 0],
    saturation: [-100, 100, 80],
  };
  if (name === 'grayscale' || name === 'greyscale') {
    if (levelText !== undefined) return invalid('e_', text, 'e_grayscale without a level');
    draft.saturation = 0;
    return done;
  }
  const range = ranges[name];
  if (!range) return unsupported('e_', `effect "${name}" has no equivalent on this origin; accepted: ${[...Object.keys(ranges), 'grayscale'].join(', ')}`);
  const value = level(...range);
  if (value === undefined) return invalid('e_', text, `e_${name}:<integer ${range[0]} to ${range[1]}>`);
  if (name === 'blur') draft.blur = blurFrom2000(value);
  else if (name === 'sharpen') draft.sharpen = value / 200;
  else if (name === 'saturation') draft.saturation = (100 + value) / 100;
  else if (value !== 0) draft[name as 'brightness' | 'contrast' | 'gamma'] = levelToMultiplier(value);
  return done;
};

/** a_: quarter-turn angles (clockwise) and hflip/vflip, combinable with dots. */
const angle: Apply = ({ values }, draft) => {
  const text = values.get('a');
  if (text === undefined) return done;
  let turn: Turn = NO_TURN;
  for (const part of text.split('.')) {
    if (part === 'hflip') turn = composeTurns(turn, { mirror: true, angle: 0 });
    else if (part === 'vflip') turn = composeTurns(turn, { mirror: true, angle: 180 });
    else {
      const degrees = parseSignedInteger(part, -3600, 3600);
      const quarter = degrees === undefined ? undefined : quarterTurn(degrees);
      if (quarter === undefined) {
        if (degrees !== undefined || /^auto_(left|right)$|^ignore$|^exif$/.test(part)) {
          return unsupported('a_', `a_${part} has no equivalent on this origin; use multiples of 90, hflip or vflip`);
        }
        return invalid('a_', part, 'a multiple of 90 degrees, hflip or vflip');
      }
      turn = composeTurns(turn, { mirror: false, angle: quarter });
    }
  }
  Object.assign(draft, turnOptions(turn));
  return done;
};

/** Cloudinary colours: `rgb:` + 3/4/6/8 hex digits (alpha last), or a colour name. */
function cloudinaryColor(text: string): Rgba | undefined {
  if (text.startsWith('rgb:')) return hexColor(text.slice(4), false);
  return /^[a-z]+$/i.test(text) ? parseCssColor(text) : undefined;
}
const COLOR_ACCEPTS = 'rgb:<hex> or a colour name';

const background: Apply = ({ values }, draft) => {
  const text = values.get('b');
  if (text === undefined) return done;
  if (text.startsWith('auto') || text.startsWith('gen_fill')) return unsupported('b_', `b_${text} has no equivalent on this origin`);
  const color = cloudinaryColor(text);
  if (!color) return invalid('b_', text, COLOR_ACCEPTS);
  draft.background = color;
  return done;
};

/** bo_<width>px_solid_<colour>. */
const border: Apply = ({ values }, draft) => {
  const text = values.get('bo');
  if (text === undefined) return done;
  const match = /^(\d+)px_solid_(.+)$/.exec(text);
  const width = match ? parseSignedInteger(match[1] ?? '', 1, MAX_BORDER) : undefined;
  const color = match ? cloudinaryColor(match[2] ?? '') : undefined;
  if (width === undefined || !color) return invalid('bo_', text, `<width>px_solid_<colour>, colour as ${COLOR_ACCEPTS}`);
  draft.border = { color, width };
  return done;
};

/** t_<name>: Cloudinary's named transformations are this origin's variants. */
const namedTransformation: Apply = ({ values }, draft) => {
  const name = values.get('t');
  if (name === undefined) return done;
  if (name === '' || name.includes('.')) return invalid('t_', name, 'one named transformation (variant) name');
  draft.variant = name;
  return done;
};

export const CLOUDINARY_PARAMETERS: readonly string[] = SUPPORTED_KEYS;

/**
 * Keys whose values this grammar reads as numbers, for the CloudFront function to write each
 * number in its shortest spelling (`w_0600` is `w_600`). `i`: the digit runs are integers (a dot
 * separates, as in `a_90.hflip`); `d`: decimals; `p`: only the leading number (`bo_5px_solid_…`,
 * whose colour may be digits too).
 */
export const CLOUDINARY_NUMBER_KEYS: Readonly<Record<string, NumberSpelling>> = {
  w: 'i',
  h: 'i',
  x: 'i',
  y: 'i',
  q: 'i',
  e: 'i',
  a: 'i',
  ar: 'd',
  dpr: 'd',
  bo: 'p',
};
