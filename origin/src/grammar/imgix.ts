import { errors, fail, ok, type Result } from '../errors.js';
import type { Fit, Gravity, ImageOptions, ImageRequest, RequestedFormat, Rgba } from './image-options.js';
import { parseCssColor } from './color.js';
import {
  blurFrom2000,
  compassGravity,
  composeTurns,
  decodePath,
  dprValue,
  DPR_ACCEPTS,
  exifTurn,
  hexColor,
  hostedSource,
  levelToMultiplier,
  MAX_BORDER,
  MAX_DIMENSION,
  MAX_TRIM_PIXELS,
  NO_TURN,
  type OptionsDraft,
  turnFromFlip,
  turnOptions,
  type Turn,
  variantParameter,
} from './hosted.js';
import { parseSignedDecimal, parseSignedInteger } from './numbers.js';
import type { NumberSpelling } from './spelling.js';

/**
 * imgix's grammar: `/<source>?w=600&h=400&fit=crop&crop=faces&auto=format,compress&q=70`.
 * The path is the source (a path under the mounts, or a percent-encoded absolute URL as imgix's
 * web-proxy sources use); the query holds the parameters. A URL is imgix's only when its query
 * names at least one imgix parameter, so plain URLs (and unrelated query strings) stay originals.
 * Mapping onto Cloudflare's options: docs/url-grammar.md#imgix.
 */

/** Parameters translated onto ImageOptions. */
const SUPPORTED = [
  'w',
  'h',
  'ar',
  'fit',
  'crop',
  'fp-x',
  'fp-y',
  'auto',
  'fm',
  'q',
  'dpr',
  'blur',
  'sharp',
  'bri',
  'con',
  'gam',
  'sat',
  'rot',
  'orient',
  'or',
  'flip',
  'bg',
  'fill',
  'fill-color',
  'trim',
  'trim-color',
  'trim-tol',
  'pad',
  'pad-top',
  'pad-right',
  'pad-bottom',
  'pad-left',
  'rect',
  'variant',
] as const;

/**
 * Parameters that carry no transform, and are ignored: imgix's signature and expiry, the tags its
 * client libraries and Unsplash add, and common cache busters (this origin's cache buster is the
 * version segment, `/v2/…`). They neither make a URL imgix's nor split the cache.
 */
export const IMGIX_IGNORED_PARAMETERS: readonly string[] = ['s', 'expires', 'ixlib', 'ixid', 'v', 'cb', '_', 'cachebuster'];
/** Prefixes of ignored parameters: analytics tags (`utm_source`). */
export const IMGIX_IGNORED_PREFIXES: readonly string[] = ['utm_'];
const IGNORED: ReadonlySet<string> = new Set(IMGIX_IGNORED_PARAMETERS);
const isIgnored = (name: string) => IGNORED.has(name) || IMGIX_IGNORED_PREFIXES.some((prefix) => name.startsWith(prefix));

/** Another spelling of a parameter: `or` is `orient` (which wins when both are given). */
export const IMGIX_ALIASES: Readonly<Record<string, string>> = { or: 'orient' };

/** imgix parameters with no faithful Cloudflare equivalent: refused by name rather than ignored. */
const UNSUPPORTED = new Set([
  'exp',
  'high',
  'shad',
  'hue',
  'vib',
  'invert',
  'usm',
  'usmrad',
  'mono',
  'sepia',
  'htn',
  'px',
  'duotone',
  'duotone-alpha',
  'palette',
  'colors',
  'prefix',
  'colorquant',
  'dpi',
  'chromasub',
  'lossless',
  'cs',
  'dl',
  'ch',
  'max-w',
  'max-h',
  'min-w',
  'min-h',
  'facepad',
  'faceindex',
  'fp-z',
  'fp-debug',
  'border',
  'border-radius',
  'border-radius-inner',
  'border-bottom',
  'border-left',
  'border-right',
  'border-top',
  'trim-md',
  'trim-sd',
  'trim-pad',
  'fill-gen-fallback',
  'fill-gen-negative-prompt',
  'fill-gen-pos',
  'fill-gen-prompt',
  'fill-gen-seed',
  'txt',
  'txt64',
  'txt-align',
  'txt-clip',
  'txt-color',
  'txt-fit',
  'txt-font',
  'txt-lig',
  'txt-line',
  'txt-line-color',
  'txt-pad',
  'txt-shad',
  'txt-size',
  'txt-width',
  'mark',
  'mark64',
  'mark-align',
  'mark-alpha',
  'mark-base',
  'mark-fit',
  'mark-h',
  'mark-pad',
  'mark-rot',
  'mark-scale',
  'mark-tile',
  'mark-w',
  'mark-x',
  'mark-y',
  'blend',
  'blend64',
  'blend-align',
  'blend-alpha',
  'blend-color',
  'blend-crop',
  'blend-fit',
  'blend-h',
  'blend-mode',
  'blend-pad',
  'blend-size',
  'blend-w',
  'blend-x',
  'blend-y',
  'bm',
  'ba',
  'balph',
  'bc',
  'bf',
  'bh',
  'bp',
  'bs',
  'bw',
  'bx',
  'by',
  'mask',
  'mask-bg',
  'corner-radius',
  'frame',
  'loop',
  'reverse',
  'skip',
  'fps',
  'video-bitrate',
  'video-codec',
  'video-generate',
  'q-auto',
  'nr',
  'nrs',
  'markalign',
  'markpad',
  'markx',
  'marky',
]);

const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED);
const ACCEPTED = SUPPORTED.join(', ');

const FITS: Readonly<Record<string, Fit>> = {
  clip: 'contain',
  crop: 'cover',
  fill: 'pad',
  max: 'scale-down',
  min: 'crop',
  scale: 'squeeze',
};

const FORMATS: Readonly<Record<string, RequestedFormat>> = {
  jpg: 'baseline-jpeg',
  pjpg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  json: 'json',
};

/** Quality imgix uses for auto=compress when no `q` is given. */
const COMPRESS_QUALITY = 45;

const invalid = (name: string, value: string, accepts: string) => fail<never>(errors.invalidOption(name, value, accepts));
const unsupported = (name: string, why: string) => fail<never>(errors.unsupportedOption(name, why));

export function parseImgix(pathname: string, search: string): Result<ImageRequest> | undefined {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return undefined;
  const params = new URLSearchParams(query);
  const names = [...params.keys()];
  // Only a transform parameter (or a refused one) makes a URL imgix's: `?ixlib=…` alone is an original.
  const isImgix = names.some((name) => SUPPORTED_SET.has(name) || UNSUPPORTED.has(name));
  if (!isImgix) return undefined;

  const source = imgixSource(pathname);
  if (!source.ok) return source;
  const values = collectParams(params);
  if (!values.ok) return values;
  const options = imgixOptions(values.value);
  if (!options.ok) return options;
  return ok({ grammar: 'imgix', source: source.value, options: options.value });
}

function imgixSource(pathname: string): Result<string> {
  const decoded = decodePath(pathname.slice(1));
  if (decoded === undefined) return fail(errors.malformedUrl(`malformed percent-encoding in source path "${pathname}"`));
  if (decoded === '') return fail(errors.malformedUrl('imgix URL has no source path'));
  // imgix web-proxy sources are the whole encoded URL as the path: /https%3A%2F%2Fexample.com%2Fa.jpg
  return hostedSource(decoded);
}

/** Every parameter once (imgix combines repeated `auto`); unknown names refused. */
function collectParams(params: URLSearchParams): Result<ReadonlyMap<string, string>> {
  const values = new Map<string, string>();
  for (const [name, value] of params) {
    if (isIgnored(name)) continue;
    if (UNSUPPORTED.has(name)) return unsupported(name, `imgix parameter "${name}" has no equivalent on this origin`);
    if (!SUPPORTED_SET.has(name)) return fail(errors.unknownOption(name, ACCEPTED));
    const previous = values.get(name);
    if (previous !== undefined) {
      if (name !== 'auto') return invalid(name, value, 'the parameter once');
      values.set(name, `${previous},${value}`);
    } else {
      values.set(name, value);
    }
  }
  return ok(values);
}

function imgixOptions(params: ReadonlyMap<string, string>): Result<ImageOptions> {
  const draft: OptionsDraft = {};
  const steps = [size, gravity, format, quality, adjustments, orientation, background, trimming, padding, variant];
  for (const apply of steps) {
    const applied = apply(params, draft);
    if (!applied.ok) return applied;
  }
  return ok(draft);
}

type Apply = (params: ReadonlyMap<string, string>, draft: OptionsDraft) => Result<true>;
const done = ok(true as const);

const size: Apply = (params, draft) => {
  const box: { width?: number; height?: number } = {};
  for (const name of ['w', 'h'] as const) {
    const text = params.get(name);
    if (text === undefined) continue;
    const value = parseSignedInteger(text, 1, MAX_DIMENSION);
    if (value === undefined) {
      if (parseSignedDecimal(text, 0, 1) !== undefined) return unsupported(name, 'a fraction of the source size needs the source dimensions; give pixels');
      return invalid(name, text, `an integer number of pixels, 1 to ${MAX_DIMENSION}`);
    }
    box[name === 'w' ? 'width' : 'height'] = value;
  }
  const fitText = params.get('fit');
  let fit: Fit = 'contain';
  if (fitText !== undefined) {
    const mapped = FITS[fitText];
    if (!mapped) {
      if (['clamp', 'facearea', 'fillmax'].includes(fitText)) return unsupported('fit', `fit=${fitText} has no equivalent on this origin`);
      return invalid('fit', fitText, Object.keys(FITS).join(', '));
    }
    fit = mapped;
  }
  const ratioText = params.get('ar');
  if (ratioText !== undefined) {
    const ratio = aspectRatio(ratioText);
    if (ratio === undefined) return invalid('ar', ratioText, 'width:height, e.g. 16:9');
    // imgix applies ar only with fit=crop, and only to complete a single given dimension.
    if (fitText === 'crop') {
      if (box.width !== undefined && box.height === undefined) box.height = Math.max(1, Math.round(box.width / ratio));
      else if (box.height !== undefined && box.width === undefined) box.width = Math.max(1, Math.round(box.height * ratio));
      else if (box.width === undefined) return unsupported('ar', 'an aspect ratio alone needs the source dimensions; give w or h too');
    }
  }
  const dprText = params.get('dpr');
  if (dprText !== undefined) {
    const dpr = dprValue(dprText);
    if (dpr === undefined) return invalid('dpr', dprText, DPR_ACCEPTS);
    draft.dpr = dpr;
  }
  if (box.width !== undefined) draft.width = box.width;
  if (box.height !== undefined) draft.height = box.height;
  // imgix's default fit is clip, which (unlike Cloudflare's default) enlarges small images.
  if (box.width !== undefined || box.height !== undefined) draft.fit = fit;
  return done;
};

function aspectRatio(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const ratio = Number(match[1]) / Number(match[2]);
  return Number.isFinite(ratio) && ratio > 0 ? ratio : undefined;
}

const gravity: Apply = (params, draft) => {
  const fx = params.get('fp-x');
  const fy = params.get('fp-y');
  const x = fx === undefined ? 0.5 : parseSignedDecimal(fx, 0, 1);
  const y = fy === undefined ? 0.5 : parseSignedDecimal(fy, 0, 1);
  if (x === undefined) return invalid('fp-x', fx ?? '', 'a number from 0 to 1');
  if (y === undefined) return invalid('fp-y', fy ?? '', 'a number from 0 to 1');
  const text = params.get('crop');
  if (text === undefined) return done;
  const modes = text.split(',');
  const known = ['top', 'bottom', 'left', 'right', 'faces', 'focalpoint', 'edges', 'entropy', 'center'];
  const bad = modes.find((m) => !known.includes(m));
  if (bad !== undefined) return invalid('crop', bad, known.join(', '));
  let chosen: Gravity;
  if (modes.includes('faces')) chosen = { mode: 'face' };
  else if (modes.includes('focalpoint')) chosen = { mode: 'point', x, y };
  else if (modes.includes('entropy') || modes.includes('edges')) chosen = { mode: 'auto' };
  else {
    const vertical = modes.includes('top') ? 'top' : modes.includes('bottom') ? 'bottom' : undefined;
    const horizontal = modes.includes('left') ? 'left' : modes.includes('right') ? 'right' : undefined;
    chosen = compassGravity(vertical, horizontal);
  }
  // Like imgix, `crop` only positions a cropping fit.
  if (draft.fit === 'cover' || draft.fit === 'crop') draft.gravity = chosen;
  return done;
};

const format: Apply = (params, draft) => {
  const auto = (params.get('auto') ?? '').split(',').filter((v) => v !== '');
  const bad = auto.find((v) => v !== 'format' && v !== 'compress');
  if (bad !== undefined) return unsupported('auto', `auto=${bad} has no equivalent on this origin; accepted: format, compress`);
  const fm = params.get('fm');
  if (fm !== undefined) {
    const mapped = FORMATS[fm];
    if (!mapped) return invalid('fm', fm, Object.keys(FORMATS).join(', '));
    draft.format = mapped;
  }
  // auto=format negotiates whatever fm says, as imgix does for still images.
  if (auto.includes('format')) draft.format = 'auto';
  if (auto.includes('compress')) draft.quality = COMPRESS_QUALITY;
  return done;
};

const quality: Apply = (params, draft) => {
  const text = params.get('q');
  if (text === undefined) return done;
  const value = parseSignedInteger(text, 0, 100);
  if (value === undefined) return invalid('q', text, 'an integer from 0 to 100');
  draft.quality = Math.max(1, value);
  return done;
};

const adjustments: Apply = (params, draft) => {
  const blur = params.get('blur');
  if (blur !== undefined) {
    const value = parseSignedInteger(blur, 0, 2000);
    if (value === undefined) return invalid('blur', blur, 'an integer from 0 to 2000');
    if (value > 0) draft.blur = blurFrom2000(value);
  }
  const sharp = params.get('sharp');
  if (sharp !== undefined) {
    const value = parseSignedDecimal(sharp, 0, 100);
    if (value === undefined) return invalid('sharp', sharp, 'a number from 0 to 100');
    if (value > 0) draft.sharpen = value / 10;
  }
  const levels = [
    ['bri', 'brightness'],
    ['con', 'contrast'],
    ['gam', 'gamma'],
    ['sat', 'saturation'],
  ] as const;
  for (const [name, key] of levels) {
    const text = params.get(name);
    if (text === undefined) continue;
    const level = parseSignedInteger(text, -100, 100);
    if (level === undefined) return invalid(name, text, 'an integer from -100 to 100');
    if (level !== 0) draft[key] = key === 'saturation' ? (100 + level) / 100 : levelToMultiplier(level);
  }
  return done;
};

const orientation: Apply = (params, draft) => {
  let turn: Turn = NO_TURN;
  const orient = params.get('orient') ?? params.get('or');
  if (orient !== undefined) {
    const name = params.has('orient') ? 'orient' : 'or';
    const aliases: Record<string, number> = { '90': 6, '180': 3, '270': 8 };
    const exif = exifTurn(aliases[orient] ?? parseSignedInteger(orient, 1, 8) ?? 0);
    if (!exif) return invalid(name, orient, '1 to 8 (EXIF orientation), 90, 180 or 270');
    turn = exif;
  }
  const rot = params.get('rot');
  if (rot !== undefined) {
    const degrees = parseSignedDecimal(rot, 0, 359);
    if (degrees === undefined) return invalid('rot', rot, 'degrees from 0 to 359');
    // imgix's rot turns the picture inside a fixed frame (zooming to fill it); only a half turn keeps that frame.
    if (degrees !== 0 && degrees !== 180) return unsupported('rot', 'only rot=180 is supported; use orient for quarter turns');
    if (degrees === 180) turn = composeTurns(turn, { mirror: false, angle: 180 });
  }
  const flip = params.get('flip');
  if (flip !== undefined) {
    if (flip !== 'h' && flip !== 'v' && flip !== 'hv') return invalid('flip', flip, 'h, v or hv');
    // A lone flip keeps its own spelling; combined with a turn it is composed.
    if (turn.mirror || turn.angle !== 0) turn = composeTurns(turn, turnFromFlip(flip));
    else {
      draft.flip = flip;
      return done;
    }
  }
  Object.assign(draft, turnOptions(turn));
  return done;
};

/** imgix colours: a keyword, or 3/4/6/8 hex digits with alpha first (ARGB, AARRGGBB). */
function imgixColor(text: string): Rgba | undefined {
  return hexColor(text.replace(/^#/, ''), true) ?? (/^[a-z]+$/i.test(text) ? parseCssColor(text) : undefined);
}
const COLOR_ACCEPTS = 'a colour keyword or 3, 4, 6 or 8 hex digits (ARGB)';

const background: Apply = (params, draft) => {
  const bg = params.get('bg');
  const fillColor = params.get('fill-color');
  const fill = params.get('fill');
  if (fill !== undefined && fill !== 'solid') return unsupported('fill', `fill=${fill} has no equivalent on this origin; accepted: solid`);
  let color: Rgba | undefined;
  if (bg !== undefined) {
    color = imgixColor(bg);
    if (!color) return invalid('bg', bg, COLOR_ACCEPTS);
  }
  if (fillColor !== undefined) {
    const parsed = imgixColor(fillColor);
    if (!parsed) return invalid('fill-color', fillColor, COLOR_ACCEPTS);
    if (color && !sameColor(color, parsed)) return invalid('fill-color', fillColor, 'the same colour as bg (both fill the background here)');
    color = parsed;
  }
  if (color) draft.background = color;
  return done;
};

const sameColor = (a: Rgba, b: Rgba) => a.r === b.r && a.g === b.g && a.b === b.b && a.alpha === b.alpha;

const trimming: Apply = (params, draft) => {
  const rect = params.get('rect');
  if (rect !== undefined) {
    const parts = rect.split(',').map((p) => parseSignedInteger(p, 0, MAX_TRIM_PIXELS));
    const [left, top, width, height] = parts;
    if (parts.length !== 4 || left === undefined || top === undefined || !width || !height) {
      return invalid('rect', rect, 'x,y,w,h in source pixels');
    }
    draft.trim = { mode: 'rect', left, top, width, height };
  }
  const mode = params.get('trim');
  if (mode === undefined) {
    if (params.has('trim-color') || params.has('trim-tol')) return unsupported('trim-color', 'trim-color and trim-tol need trim=auto or trim=color');
    return done;
  }
  if (mode !== 'auto' && mode !== 'color') return invalid('trim', mode, 'auto or color');
  if (rect !== undefined) return unsupported('trim', 'trim cannot be combined with rect here');
  const colorText = params.get('trim-color');
  let color: Rgba | undefined;
  if (mode === 'color') {
    if (colorText === undefined) return invalid('trim-color', '', `${COLOR_ACCEPTS} (trim=color needs it)`);
    color = imgixColor(colorText);
    if (!color) return invalid('trim-color', colorText, COLOR_ACCEPTS);
  }
  const tolText = params.get('trim-tol');
  const tolerance = tolText === undefined ? undefined : parseSignedDecimal(tolText, 0, 255);
  if (tolText !== undefined && tolerance === undefined) return invalid('trim-tol', tolText, 'a number from 0 to 255');
  draft.trim = { mode: 'border', ...(color && { color }), ...(tolerance !== undefined && { tolerance }) };
  return done;
};

/**
 * imgix's padding sits inside w×h when a size is given (the padded image fits the box) and
 * around the image otherwise. Cloudflare's border is always added outside, so with a size the
 * box shrinks by the padding first: the same output, expressed as resize-then-border.
 */
const padding: Apply = (params, draft) => {
  const names = ['pad', 'pad-top', 'pad-right', 'pad-bottom', 'pad-left'] as const;
  const sizes: Partial<Record<(typeof names)[number], number>> = {};
  for (const name of names) {
    const text = params.get(name);
    if (text === undefined) continue;
    const value = parseSignedInteger(text, 0, MAX_BORDER);
    if (value === undefined) return invalid(name, text, `an integer number of pixels, 0 to ${MAX_BORDER}`);
    sizes[name] = value;
  }
  if (Object.keys(sizes).length === 0) return done;
  const all = sizes.pad ?? 0;
  const edges = {
    top: sizes['pad-top'] ?? all,
    right: sizes['pad-right'] ?? all,
    bottom: sizes['pad-bottom'] ?? all,
    left: sizes['pad-left'] ?? all,
  };
  if (Object.values(edges).every((v) => v === 0)) return done;
  if (draft.width !== undefined && typeof draft.width === 'number') {
    const inner = draft.width - edges.left - edges.right;
    if (inner < 1) return invalid('pad', params.get('pad') ?? '', 'padding narrower than w');
    draft.width = inner;
  }
  if (draft.height !== undefined) {
    const inner = draft.height - edges.top - edges.bottom;
    if (inner < 1) return invalid('pad', params.get('pad') ?? '', 'padding shorter than h');
    draft.height = inner;
  }
  // imgix pads with bg, else transparent (white where the format has no alpha).
  const color = draft.background ?? { r: 255, g: 255, b: 255, alpha: 0 };
  draft.border = { color, edges };
  return done;
};

const variant: Apply = variantParameter('variant', 'variant', 'a variant name');

/** For tests and docs: every parameter name this grammar translates. */
export const IMGIX_PARAMETERS: readonly string[] = SUPPORTED;

/** Parameters whose values hold numbers (spelling.ts): `w=0600` is `w=600`, `rect=010,0,5,5` is `rect=10,0,5,5`. */
export const IMGIX_NUMBER_PARAMETERS: Readonly<Record<string, NumberSpelling>> = {
  w: 'i',
  h: 'i',
  q: 'i',
  blur: 'i',
  bri: 'i',
  con: 'i',
  gam: 'i',
  sat: 'i',
  orient: 'i',
  or: 'i',
  rect: 'i',
  pad: 'i',
  'pad-top': 'i',
  'pad-right': 'i',
  'pad-bottom': 'i',
  'pad-left': 'i',
  ar: 'd',
  dpr: 'd',
  'fp-x': 'd',
  'fp-y': 'd',
  sharp: 'd',
  rot: 'd',
  'trim-tol': 'd',
};
