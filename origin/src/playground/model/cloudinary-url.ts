import { formatDecimal } from '../../grammar/numbers.js';
import type { Fit, Gravity, ImageOptions, QualityPreset, RequestedFormat, Rgba } from '../../pipeline/types.js';
import { effectiveOptions } from './effective.js';
import { hex2, levelOf, strength2000Of } from './numbers.js';
import { encodeSource, translated, untranslatable, type Translation } from './translation.js';
import { isNoTurn, turnOf } from './turns.js';

/** The inverse of grammar/cloudinary.ts's tables. */
const CROPS: Readonly<Partial<Record<Fit, string>>> = { 'scale-down': 'limit', contain: 'fit', cover: 'fill', crop: 'lfill', pad: 'pad' };
const FORMATS: Readonly<Partial<Record<RequestedFormat, string>>> = {
  auto: 'auto',
  'baseline-jpeg': 'jpg',
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
};
const QUALITY: Readonly<Record<QualityPreset, string>> = { high: 'auto:best', 'medium-high': 'auto:good', 'medium-low': 'auto:eco', low: 'auto:low' };
/** Points the compass names reach, as `x,y`. */
const COMPASS: Readonly<Record<string, string>> = {
  '0.5,0': 'north',
  '0.5,1': 'south',
  '1,0.5': 'east',
  '0,0.5': 'west',
  '1,0': 'north_east',
  '0,0': 'north_west',
  '1,1': 'south_east',
  '0,1': 'south_west',
};
const SIDES = { top: 'north', bottom: 'south', left: 'west', right: 'east' } as const;
/** A path segment the parser would read as a step or a version, not as the public ID's first folder. */
const LOOKS_LIKE_STEP = /^(?:v\d+|[a-z]+_.*)$/;

/** Cloudinary colours: `rgb:` and hex digits, alpha last. */
const rgbHex = (c: Rgba) => `rgb:${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}${c.alpha === 1 ? '' : hex2(c.alpha * 255)}`;

/**
 * `/image/upload/<step>/…/<public id>`: one step for the transform, a crop step before it for a
 * trim rectangle, and one more per extra effect (a step takes one `e_`).
 */
export function cloudinaryUrl(given: ImageOptions, source: string): Translation {
  const o = effectiveOptions(given);
  const no = (option: string, why?: string) => untranslatable('cloudinary', option, why);
  if (LOOKS_LIKE_STEP.test(source.split('/')[0] ?? '') && source.includes('/')) return no('source', 'its first folder reads as a transformation');
  const steps: string[][] = [];
  const main: string[] = [];

  if (o.trim) {
    const trim = o.trim;
    if (trim.mode !== 'rect' || trim.width === undefined || trim.height === undefined)
      return no('trim', 'only a trim rectangle with a width and height (c_crop)');
    steps.push([`c_crop`, `x_${trim.left}`, `y_${trim.top}`, `w_${trim.width}`, `h_${trim.height}`]);
  }
  const both = o.width !== undefined && o.height !== undefined;
  if (o.width !== undefined) main.push(`w_${o.width}`);
  if (o.height !== undefined) main.push(`h_${o.height}`);
  if (o.width !== undefined || o.height !== undefined) {
    const fit = o.fit ?? 'scale-down';
    // c_scale is squeeze with both sides given, contain with one.
    const crop = fit === 'squeeze' ? (both ? 'scale' : undefined) : CROPS[fit];
    if (crop === undefined) return no(`fit=${fit} with one side`);
    main.push(`c_${crop}`);
  }
  if (o.gravity) {
    const gravity = gravityOf(o.gravity);
    if (gravity === undefined) return no('gravity', 'only the compass points, auto and face');
    main.push(`g_${gravity}`);
  }
  if (o.format) {
    const format = FORMATS[o.format];
    if (format === undefined) return no(`format=${o.format}`);
    main.push(`f_${format}`);
  }
  const flags = [...(o.format === 'jpeg' ? ['progressive'] : []), ...(o.metadata === 'keep' ? ['keep_iptc'] : [])];
  if (flags.length > 0) main.push(`fl_${flags.join('.')}`);
  if (o.metadata === 'none') return no('metadata=none');
  if (o.quality !== undefined) main.push(`q_${typeof o.quality === 'number' ? o.quality : QUALITY[o.quality]}`);
  if (o.dpr !== undefined) main.push(`dpr_${formatDecimal(o.dpr)}`);
  const turn = turnOf(o);
  if (!isNoTurn(turn)) main.push(`a_${[...(turn.mirror ? ['hflip'] : []), ...(turn.angle ? [String(turn.angle)] : [])].join('.')}`);
  if (o.background) main.push(`b_${rgbHex(o.background)}`);
  if (o.border) {
    if (!('width' in o.border)) return no('border', 'only one width for every side');
    main.push(`bo_${o.border.width}px_solid_${rgbHex(o.border.color)}`);
  }
  for (const option of ['anim', 'compression', 'onerror', 'slowConnectionQuality'] as const) {
    if (o[option] !== undefined) return no(option === 'slowConnectionQuality' ? 'slow-connection-quality' : option);
  }
  if (o.variant !== undefined) main.push(`t_${o.variant}`);

  const effects = effectsOf(o);
  if (!Array.isArray(effects)) return no(effects.option, effects.why);
  const [first, ...more] = effects;
  if (first) main.push(first);
  if (main.length > 0) steps.push(main);
  for (const effect of more) steps.push([effect]);
  return translated(`/image/upload/${[...steps.map((step) => step.join(',')), encodeSource(source)].join('/')}`);
}

function gravityOf(gravity: Gravity): string | undefined {
  switch (gravity.mode) {
    case 'face':
    case 'auto':
      return gravity.mode;
    case 'side':
      return SIDES[gravity.side];
    case 'point':
      return COMPASS[`${gravity.x},${gravity.y}`];
  }
}

/** `e_<effect>:<level>` for each adjustment, in the origin's order; or the one that has no level. */
function effectsOf(o: ImageOptions): string[] | { option: string; why: string } {
  const effects: string[] = [];
  if (o.blur !== undefined) {
    const strength = strength2000Of(o.blur);
    if (strength === undefined) return { option: `blur=${formatDecimal(o.blur)}`, why: 'Cloudinary blurs in steps of 1/8' };
    effects.push(`e_blur:${strength}`);
  }
  if (o.sharpen !== undefined) {
    const level = Math.round(o.sharpen * 200);
    if (level < 1 || level > 2000 || level / 200 !== o.sharpen)
      return { option: `sharpen=${formatDecimal(o.sharpen)}`, why: 'Cloudinary sharpens in steps of 1/200' };
    effects.push(`e_sharpen:${level}`);
  }
  const levels = [
    ['brightness', -99, 100, 0.01],
    ['contrast', -100, 100, 0.01],
    ['gamma', -50, 150, 0.01],
    ['saturation', -100, 100, 0],
  ] as const;
  for (const [option, min, max, floor] of levels) {
    const value = o[option];
    if (value === undefined) continue;
    const level = levelOf(value, min, max, floor);
    if (level === undefined) return { option: `${option}=${formatDecimal(value)}`, why: `Cloudinary takes whole percentages from ${min} to ${max}` };
    effects.push(`e_${option}:${level}`);
  }
  return effects;
}
