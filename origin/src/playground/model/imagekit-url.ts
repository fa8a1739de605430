import { formatDecimal } from '../../grammar/numbers.js';
import type { Fit, Gravity, ImageOptions, RequestedFormat, Rgba } from '../../pipeline/types.js';
import { effectiveOptions } from './effective.js';
import { hex2 } from './numbers.js';
import { encodeSource, translated, untranslatable, type Translation } from './translation.js';
import { turnOf } from './turns.js';

/** The inverse of grammar/imagekit.ts's tables; `cover` needs both sides (one side reads as contain). */
const CROPS: Readonly<Partial<Record<Fit, string>>> = {
  'scale-down': 'c-at_max',
  contain: 'c-at_max_enlarge',
  cover: 'c-maintain_ratio',
  squeeze: 'c-force',
  pad: 'cm-pad_resize',
};
const FORMATS: Readonly<Partial<Record<RequestedFormat, string>>> = {
  auto: 'auto',
  webp: 'webp',
  'baseline-jpeg': 'jpg',
  jpeg: 'jpg',
  png: 'png',
  avif: 'avif',
  gif: 'gif',
};
const COMPASS: Readonly<Record<string, string>> = {
  '0.5,0': 'top',
  '0.5,1': 'bottom',
  '0,0.5': 'left',
  '1,0.5': 'right',
  '0,0': 'top_left',
  '1,0': 'top_right',
  '0,1': 'bottom_left',
  '1,1': 'bottom_right',
};

/** ImageKit colours: RRGGBB, or RRGGBB and an opacity 00..99 (per cent), when one reads back exactly. */
function colorOf(c: Rgba): string | undefined {
  const rgb = `${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}`;
  if (c.alpha === 1) return rgb;
  const percent = Array.from({ length: 100 }, (_, p) => p).find((p) => Math.round((p / 100) * 255) / 255 === c.alpha);
  return percent === undefined ? undefined : `${rgb}${String(percent).padStart(2, '0')}`;
}

/** `<endpoint>tr:<step>[:<step>]/<source>`: a cm-extract step for a trim rectangle, then the transform. */
export function imagekitUrl(given: ImageOptions, source: string, endpoint = '/'): Translation {
  const o = effectiveOptions(given);
  const no = (option: string, why?: string) => untranslatable('imagekit', option, why);
  const steps: string[][] = [];
  const main: string[] = [];

  if (o.trim?.mode === 'rect') {
    const { left, top, width, height } = o.trim;
    if (width === undefined || height === undefined) return no('trim', 'only a trim rectangle with a width and height (cm-extract)');
    steps.push(['cm-extract', `x-${left}`, `y-${top}`, `w-${width}`, `h-${height}`]);
  }
  const both = o.width !== undefined && o.height !== undefined;
  if (o.width !== undefined) main.push(`w-${o.width}`);
  if (o.height !== undefined) main.push(`h-${o.height}`);
  if (o.width !== undefined || o.height !== undefined) {
    const fit = o.fit ?? 'scale-down';
    const crop = fit === 'cover' && !both ? undefined : CROPS[fit];
    if (crop === undefined) return no(`fit=${fit}${fit === 'cover' ? ' with one side' : ''}`);
    main.push(crop);
  }
  if (o.gravity) {
    const focus = focusOf(o.gravity);
    if (focus === undefined) return no('gravity', 'only the compass points, auto and face');
    main.push(`fo-${focus}`);
  }
  if (o.format) {
    const format = FORMATS[o.format];
    if (format === undefined) return no(`format=${o.format}`);
    main.push(`f-${format}`, ...(o.format === 'jpeg' ? ['pr-true'] : []));
  }
  if (typeof o.quality === 'string') return no(`quality=${o.quality}`);
  if (o.quality !== undefined) main.push(`q-${o.quality}`);
  if (o.dpr !== undefined) main.push(`dpr-${formatDecimal(o.dpr)}`);
  if (o.blur !== undefined) {
    const level = Array.from({ length: 100 }, (_, i) => i + 1).find((b) => Math.round(b * 2.5) === o.blur);
    if (level === undefined) return no(`blur=${formatDecimal(o.blur)}`, 'ImageKit blurs in steps of 2.5');
    main.push(`bl-${level}`);
  }
  if (o.sharpen !== undefined) main.push(`e-sharpen-${formatDecimal(o.sharpen)}`);
  if (o.saturation === 0) main.push('e-grayscale');
  for (const option of ['brightness', 'contrast', 'gamma', 'saturation'] as const) {
    if (o[option] !== undefined && !(option === 'saturation' && o[option] === 0)) return no(option);
  }
  const turn = turnOf(o);
  if (turn.angle !== 0) main.push(`rt-${turn.angle}`);
  if (turn.mirror) main.push('fl-h');
  if (o.background) {
    const color = colorOf(o.background);
    if (color === undefined) return no('background', 'ImageKit takes opacity in whole per cent');
    main.push(`bg-${color}`);
  }
  if (o.border) {
    const color = colorOf(o.border.color);
    if (!('width' in o.border) || color === undefined) return no('border', 'only one width for every side');
    main.push(`b-${o.border.width}_${color}`);
  }
  if (o.trim?.mode === 'edges') return no('trim=top;right;bottom;left');
  if (o.trim?.mode === 'border') {
    const { color, keep, tolerance } = o.trim;
    if (color !== undefined || keep !== undefined) return no(color ? 'trim.border.color' : 'trim.border.keep');
    if (tolerance !== undefined && !(Number.isInteger(tolerance) && tolerance >= 1 && tolerance <= 99))
      return no(`trim.border.tolerance=${formatDecimal(tolerance)}`, 'ImageKit takes 1 to 99');
    main.push(`t-${tolerance ?? 'true'}`);
  }
  for (const option of ['metadata', 'anim', 'compression', 'onerror', 'slowConnectionQuality'] as const) {
    if (o[option] !== undefined) return no(option === 'slowConnectionQuality' ? 'slow-connection-quality' : option);
  }
  if (o.variant !== undefined) main.push(`n-${o.variant}`);
  // A URL without a transformation is an original; dpr-1 changes nothing and keeps it a transform.
  if (main.length === 0 && steps.length === 0) main.push('dpr-1');
  if (main.length > 0) steps.push(main);
  return translated(`${endpoint}tr:${steps.map((step) => step.join(',')).join(':')}/${encodeSource(source)}`);
}

function focusOf(gravity: Gravity): string | undefined {
  switch (gravity.mode) {
    case 'face':
    case 'auto':
      return gravity.mode;
    case 'side':
      return gravity.side;
    case 'point':
      return COMPASS[`${gravity.x},${gravity.y}`];
  }
}
