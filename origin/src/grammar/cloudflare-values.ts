import { CENTRE } from './gravity.js';
import type { Border, Edges, Gravity, ImageOptions, QualityPreset } from './image-options.js';
import { VARIANT_NAME } from './variant-name.js';
import { CSS_COLOR_ACCEPTS, formatHexColor, parseCssColor } from './color.js';
import { formatDecimal, parseDecimal, parseInteger } from './numbers.js';

/**
 * Value syntax of every Cloudflare option except the trim family (cloudflare-trim.ts):
 * how a value is read, what it accepts (for the error message) and its canonical spelling.
 * Ranges Cloudflare documents are enforced; the rest are this project's choices, listed in
 * docs/url-grammar.md.
 */

/** Cloudflare's largest output dimension. */
export const MAX_DIMENSION = 12_000;
/** Cloudflare documents 2 as the largest supported dpr; larger values are served as 2. */
export const MAX_DPR = 2;
export const MIN_BLUR = 1;
export const MAX_BLUR = 250;
export const MAX_SHARPEN = 10;
/** Upper bound for brightness, contrast, gamma and saturation (Cloudflare gives none). */
export const MAX_FACTOR = 10;
/** Upper bound for a border side, in CSS pixels (Cloudflare gives none). */
export const MAX_BORDER = 1_000;

type Field = Exclude<keyof ImageOptions, 'trim'>;

export interface OptionCodec {
  readonly field: Field;
  /** Completes "expected …" in an invalid_option message. */
  readonly accepts: string;
  /** The typed value, or undefined when the text is not a valid value. */
  parse(text: string): unknown;
  /** Canonical spelling, not yet percent-encoded. */
  format(value: unknown): string;
}

function codec<K extends Field>(
  field: K,
  accepts: string,
  parse: (text: string) => ImageOptions[K] | undefined,
  format: (value: NonNullable<ImageOptions[K]>) => string,
): OptionCodec {
  return { field, accepts, parse, format: (value) => format(value as NonNullable<ImageOptions[K]>) };
}

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (text: string): T | undefined =>
    (values as readonly string[]).includes(text) ? (text as T) : undefined;

const listed = (values: readonly string[]) => values.join(', ');

const FITS = ['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'] as const;
const FORMATS = ['auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json'] as const;
const METADATA = ['copyright', 'keep', 'none'] as const;
/** The named qualities `quality` and `slow-connection-quality` accept besides 1–100. */
export const QUALITY_PRESETS: readonly QualityPreset[] = ['high', 'medium-high', 'medium-low', 'low'];
const PRESETS = QUALITY_PRESETS;
const SIDES = ['left', 'right', 'top', 'bottom'] as const;
const ROTATIONS = [0, 90, 180, 270] as const;

const dimension = (text: string) => parseInteger(text, 1, MAX_DIMENSION);
const factor = (text: string) => parseDecimal(text, 0, MAX_FACTOR);
const FACTOR_ACCEPTS = `a number from 0 to ${MAX_FACTOR} (1 = unchanged)`;

function parseQuality(text: string): number | QualityPreset | undefined {
  return parseInteger(text, 1, 100) ?? oneOf(PRESETS)(text);
}
const QUALITY_ACCEPTS = `an integer from 1 to 100, or ${listed(PRESETS)}`;
const formatQuality = (value: number | QualityPreset) => String(value);

function parseGravity(text: string): Gravity | undefined {
  if (text === 'auto' || text === 'face') return { mode: text };
  // Cloudflare's Workers options name the centre, the default, explicitly.
  if (text === 'center') return CENTRE;
  const side = oneOf(SIDES)(text);
  if (side) return { mode: 'side', side };
  const point = /^([^x]*)x([^x]*)$/.exec(text);
  if (!point) return undefined;
  const x = parseDecimal(point[1] ?? '', 0, 1);
  const y = parseDecimal(point[2] ?? '', 0, 1);
  return x === undefined || y === undefined ? undefined : { mode: 'point', x, y };
}

function formatGravity(gravity: Gravity): string {
  switch (gravity.mode) {
    case 'auto':
    case 'face':
      return gravity.mode;
    case 'side':
      return gravity.side;
    case 'point':
      return `${formatDecimal(gravity.x)}x${formatDecimal(gravity.y)}`;
  }
}

const BORDER_SIDES = ['top', 'right', 'bottom', 'left'] as const;
const BORDER_PROPERTIES: readonly string[] = ['color', 'width', ...BORDER_SIDES];

/** `color:<css colour>;width:<px>` or `color:<css colour>;top:<px>;…` (a missing side is 0). */
function parseBorder(text: string): Border | undefined {
  const properties = new Map<string, string>();
  for (const part of text.split(';')) {
    const colon = part.indexOf(':');
    const name = part.slice(0, colon);
    if (colon === -1 || !BORDER_PROPERTIES.includes(name) || properties.has(name)) return undefined;
    properties.set(name, part.slice(colon + 1));
  }
  const color = parseCssColor(properties.get('color') ?? '');
  if (!color) return undefined;
  const sidesGiven = BORDER_SIDES.filter((side) => properties.has(side));
  const widthText = properties.get('width');
  if (widthText !== undefined) {
    const width = sidesGiven.length === 0 ? borderWidth(widthText) : undefined;
    return width === undefined ? undefined : { color, width };
  }
  if (sidesGiven.length === 0) return undefined;
  const edges: Partial<Record<keyof Edges, number>> = {};
  for (const side of BORDER_SIDES) {
    const px = borderWidth(properties.get(side) ?? '0');
    if (px === undefined) return undefined;
    edges[side] = px;
  }
  return { color, edges: edges as Edges };
}

/**
 * A border width, without leading zeros: the CloudFront function cannot respell the numbers of a
 * border (its colour may be hex digits), so `width:010` is refused rather than cached apart from `width:10`.
 */
function borderWidth(text: string): number | undefined {
  return /^0\d/.test(text) ? undefined : parseInteger(text, 0, MAX_BORDER);
}

function formatBorder(border: Border): string {
  const color = `color:${formatHexColor(border.color)}`;
  if ('width' in border) return `${color};width:${border.width}`;
  return [color, ...BORDER_SIDES.map((side) => `${side}:${border.edges[side]}`)].join(';');
}

const BORDER_ACCEPTS =
  `color:<CSS colour>;width:<0..${MAX_BORDER}>, or color:<CSS colour> with any of ` +
  `top/right/bottom/left:<0..${MAX_BORDER}> separated by ";", no leading zeros (e.g. color:%23000000;width:10)`;

function parseDpr(text: string): number | undefined {
  const dpr = parseDecimal(text, 0, Number.MAX_VALUE);
  return dpr === undefined || dpr === 0 ? undefined : Math.min(dpr, MAX_DPR);
}

/** Canonical option name → value codec. */
export const VALUE_CODECS: ReadonlyMap<string, OptionCodec> = new Map([
  ['anim', codec('anim', 'true or false', (t) => (t === 'true' ? true : t === 'false' ? false : undefined), String)],
  ['background', codec('background', CSS_COLOR_ACCEPTS, parseCssColor, formatHexColor)],
  ['blur', codec('blur', `a number from ${MIN_BLUR} to ${MAX_BLUR}`, (t) => parseDecimal(t, MIN_BLUR, MAX_BLUR), formatDecimal)],
  ['border', codec('border', BORDER_ACCEPTS, parseBorder, formatBorder)],
  ['brightness', codec('brightness', FACTOR_ACCEPTS, factor, formatDecimal)],
  ['compression', codec('compression', 'fast', oneOf(['fast'] as const), String)],
  ['contrast', codec('contrast', FACTOR_ACCEPTS, factor, formatDecimal)],
  ['dpr', codec('dpr', `a number greater than 0 (values above ${MAX_DPR} are served as ${MAX_DPR})`, parseDpr, formatDecimal)],
  ['fit', codec('fit', listed(FITS), oneOf(FITS), String)],
  ['flip', codec('flip', 'h, v or hv', oneOf(['h', 'v', 'hv'] as const), String)],
  ['format', codec('format', listed(FORMATS), oneOf(FORMATS), String)],
  ['gamma', codec('gamma', FACTOR_ACCEPTS, factor, formatDecimal)],
  ['gravity', codec('gravity', 'auto, face, center, left, right, top, bottom, or XxY with X and Y from 0 to 1 (e.g. 0.5x0.25)', parseGravity, formatGravity)],
  ['height', codec('height', `an integer from 1 to ${MAX_DIMENSION}`, dimension, String)],
  ['metadata', codec('metadata', listed(METADATA), oneOf(METADATA), String)],
  ['onerror', codec('onerror', 'redirect', oneOf(['redirect'] as const), String)],
  ['quality', codec('quality', QUALITY_ACCEPTS, parseQuality, formatQuality)],
  ['rotate', codec('rotate', listed(ROTATIONS.map(String)), (t) => ROTATIONS.find((angle) => String(angle) === t), String)],
  ['variant', codec('variant', 'a variant name: 1 to 64 of a-z, 0-9, _ and -', (t) => (VARIANT_NAME.test(t) ? t : undefined), String)],
  ['saturation', codec('saturation', `${FACTOR_ACCEPTS}; 0 is greyscale`, factor, formatDecimal)],
  ['sharpen', codec('sharpen', `a number from 0 to ${MAX_SHARPEN}`, (t) => parseDecimal(t, 0, MAX_SHARPEN), formatDecimal)],
  ['slow-connection-quality', codec('slowConnectionQuality', QUALITY_ACCEPTS, parseQuality, formatQuality)],
  ['width', codec('width', `an integer from 1 to ${MAX_DIMENSION}, or auto`, (t) => (t === 'auto' ? 'auto' : dimension(t)), String)],
]);

/**
 * Text from a URL, made safe to quote in a one-line message: control and line-separator
 * characters escaped, and cut short so a hostile URL cannot bloat the response.
 */
export function shown(text: string, limit = 64): string {
  const chars = Array.from(text);
  const cut = chars.length > limit ? `${chars.slice(0, limit).join('')}…` : text;
  return cut.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what this escapes
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
