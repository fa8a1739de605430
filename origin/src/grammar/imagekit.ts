import { errors, fail, ok, type Result } from '../errors.js';
import { CENTRE } from './gravity.js';
import type { Fit, Gravity, ImageOptions, ImageRequest, RequestedFormat, Rgba } from './image-options.js';
import { parseCssColor } from './color.js';
import {
  chainTooLong,
  compassGravity,
  composeTurns,
  decodePath,
  dprValue,
  DPR_ACCEPTS,
  hexColor,
  hostedSource,
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
  variantParameter,
} from './hosted.js';
import { parseSignedDecimal, parseSignedInteger } from './numbers.js';
import type { NumberSpelling } from './spelling.js';

/**
 * ImageKit's grammar: `<endpoint>tr:w-600,h-400,c-maintain_ratio/<source>` or
 * `<endpoint><source>?tr=w-600,h-400`, steps chained with `:`. The endpoint is a path prefix
 * (ImageKit's `/<imagekit_id>/`, or `/` for a custom domain) that is not part of the source.
 * Query parameters other than `tr` carry no transform and are ignored (ImageKit's SDKs add
 * `ik-sdk-version`; `ik-s`/`ik-t` are its signature). Mapping: docs/url-grammar.md#imagekit.
 */

export interface ImageKitGrammarOptions {
  /** Path prefix of the URL endpoint, with leading and trailing slash. @default '/' */
  readonly endpoint?: string;
}

const SUPPORTED_KEYS = [
  'w',
  'h',
  'ar',
  'c',
  'cm',
  'fo',
  'x',
  'y',
  'q',
  'f',
  'pr',
  'dpr',
  'bl',
  'e-sharpen',
  'e-grayscale',
  'rt',
  'fl',
  'bg',
  'b',
  't',
  'n',
] as const;
const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED_KEYS);
/** ImageKit transformations with no faithful Cloudflare equivalent: refused by name. */
const UNSUPPORTED = new Set([
  'xc',
  'yc',
  'z',
  'r',
  'o',
  'lo',
  'md',
  'cp',
  'di',
  'orig',
  'l',
  'lx',
  'ly',
  'lfo',
  'i',
  'ie',
  'e-contrast',
  'e-usm',
  'e-shadow',
  'e-gradient',
  'e-bgremove',
  'e-removedotbg',
  'e-changebg',
  'e-dropshadow',
  'e-upscale',
  'e-retouch',
  'e-genvar',
  'e-edit',
  'e-distort',
  'ac',
  'vc',
  'so',
  'eo',
  'du',
  'sr',
  'page',
]);
const ACCEPTED = SUPPORTED_KEYS.map((k) => `${k}-`).join(', ');

const FITS: Readonly<Record<string, Fit>> = {
  maintain_ratio: 'cover',
  force: 'squeeze',
  at_max: 'scale-down',
  at_max_enlarge: 'contain',
};

const FORMATS: Readonly<Record<string, RequestedFormat | undefined>> = {
  auto: 'auto',
  webp: 'webp',
  jpg: 'baseline-jpeg',
  jpeg: 'baseline-jpeg',
  png: 'png',
  avif: 'avif',
  gif: 'gif',
  orig: undefined,
};

const FOCUS: Readonly<Record<string, Gravity>> = {
  center: CENTRE,
  top: compassGravity('top', undefined),
  bottom: compassGravity('bottom', undefined),
  left: compassGravity(undefined, 'left'),
  right: compassGravity(undefined, 'right'),
  top_left: compassGravity('top', 'left'),
  top_right: compassGravity('top', 'right'),
  bottom_left: compassGravity('bottom', 'left'),
  bottom_right: compassGravity('bottom', 'right'),
  auto: { mode: 'auto' },
  face: { mode: 'face' },
};

/** cm-extract cuts a w×h region at x-,y- from the source. */
const CM_EXTRACT: RectangleCropSpelling = { mode: 'cm-extract', separator: '-', gravityKey: 'fo', topLeft: 'top_left' };

/** w- and h-: numbers up to 1 are ImageKit's relative sizes. */
const SIZE: SizeSpelling = { separator: '-', relativeUpTo: 1 };

const invalid = (name: string, value: string, accepts: string) => fail<never>(errors.invalidOption(name, value, accepts));
const unsupported = (name: string, why: string) => fail<never>(errors.unsupportedOption(name, why));

export function parseImageKit(pathname: string, search: string, grammarOptions: ImageKitGrammarOptions = {}): Result<ImageRequest> | undefined {
  const endpoint = grammarOptions.endpoint ?? '/';
  if (!pathname.startsWith(endpoint)) return undefined;
  let rest = pathname.slice(endpoint.length);
  const transformations: string[] = [];
  if (rest.startsWith('tr:')) {
    const slash = rest.indexOf('/');
    if (slash < 0) return fail(errors.malformedUrl('ImageKit URL has transformations but no source path'));
    transformations.push(rest.slice(3, slash));
    rest = rest.slice(slash + 1);
  }
  const query = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search).getAll('tr');
  if (query.length > 1) return invalid('tr', query.join(' '), 'one tr query parameter');
  transformations.push(...query);
  if (transformations.length === 0) return undefined;

  const decoded = decodePath(rest);
  if (decoded === undefined) return fail(errors.malformedUrl(`malformed percent-encoding in source path "${rest}"`));
  if (decoded === '') return fail(errors.malformedUrl('ImageKit URL has no source path'));
  const source = hostedSource(decoded);
  if (!source.ok) return source;

  const texts = transformations.flatMap((t) => decodePath(t)?.split(':') ?? [undefined]);
  const steps: Step[] = [];
  for (const text of texts) {
    if (text === undefined) return fail(errors.malformedUrl('malformed percent-encoding in ImageKit transformation'));
    const components = text.split(',');
    const tooLong = chainTooLong(texts.length, components.length);
    if (tooLong) return fail(tooLong);
    const step = parseStep(text, components);
    if (!step.ok) return step;
    steps.push({ text, options: step.value });
  }
  const options = mergeSteps(steps);
  if (!options.ok) return options;
  return ok({ grammar: 'imagekit', source: source.value, options: options.value });
}

/** `w-300` → ['w', '300']; effects keep their name: `e-sharpen-10` → ['e-sharpen', '10']. */
function splitComponent(component: string): [string, string | undefined] {
  const effect = /^(e-[a-z_]+)(?:-(.*))?$/.exec(component);
  if (effect) return [effect[1] ?? '', effect[2]];
  const dash = component.indexOf('-');
  return dash < 0 ? [component, undefined] : [component.slice(0, dash), component.slice(dash + 1)];
}

function parseStep(text: string, components: readonly string[]): Result<ImageOptions> {
  const values = new Map<string, string | undefined>();
  for (const component of components) {
    if (component === '') return invalid('tr', text, 'comma-separated transformations such as w-300,h-200');
    const [key, value] = splitComponent(component);
    if (!SUPPORTED_SET.has(key)) {
      if (UNSUPPORTED.has(key) || key.startsWith('e-') || key.startsWith('l-')) {
        return unsupported(`${key}-`, `ImageKit transformation "${key}" has no equivalent on this origin`);
      }
      return fail(errors.unknownOption(`${key}-`, ACCEPTED));
    }
    if (values.has(key)) return invalid(`${key}-`, value ?? '', 'the transformation once per step');
    if (value === undefined && key !== 'e-sharpen' && key !== 'e-grayscale') return invalid(`${key}-`, '', `a value, as ${key}-<value>`);
    values.set(key, value);
  }
  const draft: OptionsDraft = {};
  for (const apply of [resize, output, effects, rotation, background, border, trim, named]) {
    const applied = apply(values, draft);
    if (!applied.ok) return applied;
  }
  return ok(draft);
}

type Apply = (values: ReadonlyMap<string, string | undefined>, draft: OptionsDraft) => Result<true>;
const done = ok(true as const);

const resize: Apply = (values, draft) => {
  const size = requestedSize(SIZE, values.get('w'), values.get('h'));
  if (!size.ok) return size;
  let { width: w, height: h } = size.value;
  const ratioText = values.get('ar');
  if (ratioText !== undefined) {
    const pair = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(ratioText);
    const ratio = pair ? Number(pair[1]) / Number(pair[2]) : NaN;
    if (!(ratio > 0 && Number.isFinite(ratio))) return invalid('ar-', ratioText, '<width>-<height>, e.g. ar-16-9');
    // ImageKit ignores ar when both dimensions are given, and needs one of them otherwise.
    if (typeof w === 'number' && h === undefined) h = Math.max(1, Math.round(w / ratio));
    else if (h !== undefined && w === undefined) w = Math.max(1, Math.round(h * ratio));
    else if (w === undefined) return unsupported('ar-', 'an aspect ratio alone needs the source dimensions; give w or h too');
  }

  const crop = values.get('c');
  const mode = values.get('cm');
  if (crop !== undefined && mode !== undefined) return invalid('cm-', mode, 'either c- or cm-, not both');
  const focusText = values.get('fo');
  const focus = focusText === undefined ? undefined : FOCUS[focusText];
  if (focusText !== undefined && !focus) {
    return focusText === 'custom' || /^[a-z]+$/.test(focusText)
      ? unsupported('fo-', `fo-${focusText} has no equivalent on this origin; accepted: ${Object.keys(FOCUS).join(', ')}`)
      : invalid('fo-', focusText, Object.keys(FOCUS).join(', '));
  }
  if (mode === 'extract') return rectangleCrop(CM_EXTRACT, values, w, h, focusText, draft);
  if (values.has('x') || values.has('y')) return unsupported('x-', 'x- and y- are supported only with cm-extract');

  let fit: Fit;
  if (mode !== undefined) {
    if (mode !== 'pad_resize') {
      return mode === 'pad_extract' ? unsupported('cm-', 'cm-pad_extract has no equivalent on this origin') : invalid('cm-', mode, 'pad_resize, extract');
    }
    if (focus && focus !== CENTRE) return unsupported('fo-', 'cm-pad_resize always centres the image here');
    fit = 'pad';
  } else {
    const mapped = FITS[crop ?? 'maintain_ratio'];
    if (!mapped) {
      return crop === 'at_least' ? unsupported('c-', 'c-at_least has no equivalent on this origin') : invalid('c-', crop ?? '', Object.keys(FITS).join(', '));
    }
    fit = mapped;
  }
  if (w === undefined && h === undefined) return done;
  if (w !== undefined) draft.width = w;
  if (h !== undefined) draft.height = h;
  // With one dimension ImageKit scales proportionally and may enlarge: Cloudflare's contain.
  draft.fit = fit === 'cover' && (w === undefined || h === undefined) ? 'contain' : fit;
  if (focus && (draft.fit === 'cover' || draft.fit === 'crop')) draft.gravity = focus;
  return done;
};

const output: Apply = (values, draft) => {
  const formatText = values.get('f');
  const progressive = values.get('pr');
  if (progressive !== undefined && progressive !== 'true' && progressive !== 'false') return invalid('pr-', progressive, 'true or false');
  if (formatText !== undefined) {
    if (!(formatText in FORMATS)) return invalid('f-', formatText, Object.keys(FORMATS).join(', '));
    const mapped = FORMATS[formatText];
    // ImageKit writes baseline JPEG unless pr-true asks otherwise.
    if (mapped) draft.format = mapped === 'baseline-jpeg' && progressive === 'true' ? 'jpeg' : mapped;
  }
  const qualityText = values.get('q');
  if (qualityText !== undefined) {
    const quality = parseSignedInteger(qualityText, 1, 100);
    if (quality === undefined) return invalid('q-', qualityText, 'an integer from 1 to 100');
    draft.quality = quality;
  }
  const dprText = values.get('dpr');
  if (dprText !== undefined) {
    if (dprText === 'auto') return unsupported('dpr-', 'dpr-auto needs client hints; give a number, or use w-auto');
    const dpr = dprValue(dprText);
    if (dpr === undefined) return invalid('dpr-', dprText, DPR_ACCEPTS);
    draft.dpr = dpr;
  }
  return done;
};

const effects: Apply = (values, draft) => {
  const blurText = values.get('bl');
  if (blurText !== undefined) {
    const blur = parseSignedInteger(blurText, 1, 100);
    if (blur === undefined) return invalid('bl-', blurText, 'an integer from 1 to 100');
    // ImageKit's blur runs 1..100, Cloudflare's 1..250.
    draft.blur = Math.round(blur * 2.5);
  }
  if (values.has('e-sharpen')) {
    const text = values.get('e-sharpen');
    const amount = text === undefined ? 1 : parseSignedDecimal(text, 0, 10);
    if (amount === undefined) return invalid('e-sharpen', text ?? '', 'e-sharpen or e-sharpen-<0 to 10>');
    if (amount > 0) draft.sharpen = amount;
  }
  if (values.has('e-grayscale')) {
    if (values.get('e-grayscale') !== undefined) return invalid('e-grayscale', values.get('e-grayscale') ?? '', 'e-grayscale without a value');
    draft.saturation = 0;
  }
  return done;
};

const rotation: Apply = (values, draft) => {
  let turn: Turn = NO_TURN;
  const rotate = values.get('rt');
  if (rotate !== undefined) {
    if (rotate === 'auto') return unsupported('rt-', 'rt-auto: EXIF orientation is always applied here');
    // ImageKit rotates clockwise; N90 means 90 counter-clockwise.
    const degrees = parseSignedInteger(rotate.replace(/^N/, '-'), -360, 360);
    const quarter = degrees === undefined ? undefined : quarterTurn(degrees);
    if (quarter === undefined) return invalid('rt-', rotate, '0, 90, 180, 270, 360 or N90, N180, N270');
    turn = { mirror: false, angle: quarter };
  }
  const flip = values.get('fl');
  if (flip !== undefined) {
    const flips: Record<string, Turn> = {
      h: { mirror: true, angle: 0 },
      v: { mirror: true, angle: 180 },
      h_v: { mirror: false, angle: 180 },
      v_h: { mirror: false, angle: 180 },
    };
    const mirrored = flips[flip];
    if (!mirrored) return invalid('fl-', flip, 'h, v, h_v or v_h');
    if (turn.angle === 0 && (flip === 'h' || flip === 'v')) {
      draft.flip = flip;
      return done;
    }
    // ImageKit flips before rotating.
    turn = composeTurns(mirrored, turn);
  }
  Object.assign(draft, turnOptions(turn));
  return done;
};

/** ImageKit colours: RRGGBB, or RRGGBBAA where AA is an opacity from 00 to 99 (per cent); or a name. */
function imagekitColor(text: string): Rgba | undefined {
  const withOpacity = /^([0-9a-f]{6})(\d\d)$/i.exec(text);
  if (withOpacity) {
    const rgb = hexColor(withOpacity[1] ?? '', false);
    return rgb && { ...rgb, alpha: Math.round((Number(withOpacity[2]) / 100) * 255) / 255 };
  }
  if (/^[0-9a-f]{6}$/i.test(text)) return hexColor(text, false);
  return /^[a-z]+$/i.test(text) ? parseCssColor(text) : undefined;
}
const COLOR_ACCEPTS = 'RRGGBB, RRGGBBAA (AA an opacity 00 to 99) or a colour name';

const background: Apply = (values, draft) => {
  const text = values.get('bg');
  if (text === undefined) return done;
  if (text === 'blurred' || text.startsWith('blurred_') || text === 'dominant' || text.startsWith('gradient')) {
    return unsupported('bg-', `bg-${text} has no equivalent on this origin`);
  }
  const color = imagekitColor(text);
  if (!color) return invalid('bg-', text, COLOR_ACCEPTS);
  draft.background = color;
  return done;
};

/** b-<width>_<colour>. */
const border: Apply = (values, draft) => {
  const text = values.get('b');
  if (text === undefined) return done;
  const [widthText = '', colorText = ''] = text.split('_');
  const width = parseSignedInteger(widthText, 1, MAX_BORDER);
  const color = imagekitColor(colorText);
  if (width === undefined || !color) return invalid('b-', text, `<width>_<colour>, colour as ${COLOR_ACCEPTS}`);
  draft.border = { color, width };
  return done;
};

/** t-true trims a uniform border; t-<1..99> sets the threshold. */
const trim: Apply = (values, draft) => {
  const text = values.get('t');
  if (text === undefined || text === 'false') return done;
  if (text === 'true') {
    draft.trim = { mode: 'border' };
    return done;
  }
  const tolerance = parseSignedInteger(text, 1, 99);
  if (tolerance === undefined) return invalid('t-', text, 'true, false or a threshold from 1 to 99');
  draft.trim = { mode: 'border', tolerance };
  return done;
};

/** n-<name>: ImageKit's named transformations are this origin's variants. */
const named: Apply = variantParameter('n', 'n-', 'a named transformation (variant) name');

export const IMAGEKIT_PARAMETERS: readonly string[] = SUPPORTED_KEYS;

/** Keys whose values hold numbers (spelling.ts): `w-0600` is `w-600`, `b-05_…` is `b-5_…`. */
export const IMAGEKIT_NUMBER_KEYS: Readonly<Record<string, NumberSpelling>> = {
  w: 'i',
  h: 'i',
  x: 'i',
  y: 'i',
  q: 'i',
  bl: 'i',
  rt: 'i',
  t: 'i',
  ar: 'd',
  dpr: 'd',
  'e-sharpen': 'd',
  b: 'p',
};
