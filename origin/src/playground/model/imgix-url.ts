import { formatDecimal } from '../../grammar/numbers.js';
import type { Border, Fit, Gravity, ImageOptions, RequestedFormat, Rgba } from '../../pipeline/types.js';
import { effectiveOptions } from './effective.js';
import { hex2, levelOf, shiftedDecimal, strength2000Of } from './numbers.js';
import { encodeSource, translated, untranslatable, type Translation } from './translation.js';
import { EXIF_TURNS, isNoTurn, turnOf } from './turns.js';

/** The inverse of grammar/imgix.ts's tables. */
const FITS: Readonly<Record<Fit, string>> = { 'scale-down': 'max', contain: 'clip', cover: 'crop', crop: 'min', pad: 'fill', squeeze: 'scale' };
const FORMATS: Readonly<Record<RequestedFormat, [string, string]>> = {
  auto: ['auto', 'format'],
  jpeg: ['fm', 'pjpg'],
  'baseline-jpeg': ['fm', 'jpg'],
  png: ['fm', 'png'],
  webp: ['fm', 'webp'],
  avif: ['fm', 'avif'],
  gif: ['fm', 'gif'],
  json: ['fm', 'json'],
};
/** imgix pads with this when no `bg` is given. */
const TRANSPARENT_WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 0 };

/** imgix colours are RRGGBB, or AARRGGBB with the alpha first. */
const argb = (c: Rgba) => `${c.alpha === 1 ? '' : hex2(c.alpha * 255)}${hex2(c.r)}${hex2(c.g)}${hex2(c.b)}`;
const sameColor = (a: Rgba, b: Rgba) => a.r === b.r && a.g === b.g && a.b === b.b && a.alpha === b.alpha;

/** `/<source>?w=…&fit=…`: imgix's parameters for the options, where each one reads back the same. */
export function imgixUrl(given: ImageOptions, source: string): Translation {
  const o = effectiveOptions(given);
  const no = (option: string, why?: string) => untranslatable('imgix', option, why);
  const params: Array<[string, string]> = [];
  const set = (name: string, value: string) => params.push([name, value]);

  if (o.width === 'auto') return no('width=auto');
  const edges = o.border && borderEdges(o.border);
  // imgix pads inside w×h; Cloudflare's border goes around the resized image, so the box grows by it.
  if (o.width !== undefined) set('w', String(o.width + (edges ? edges.left + edges.right : 0)));
  if (o.height !== undefined) set('h', String(o.height + (edges ? edges.top + edges.bottom : 0)));
  if (o.width !== undefined || o.height !== undefined) set('fit', FITS[o.fit ?? 'scale-down']);
  if (o.gravity) params.push(...cropOf(o.gravity));
  if (o.format) set(...FORMATS[o.format]);
  if (typeof o.quality === 'string') return no(`quality=${o.quality}`);
  if (o.quality !== undefined) set('q', String(o.quality));
  if (o.dpr !== undefined) set('dpr', formatDecimal(o.dpr));
  if (o.blur !== undefined) {
    const strength = strength2000Of(o.blur);
    if (strength === undefined) return no(`blur=${formatDecimal(o.blur)}`, 'imgix blurs in steps of 1/8');
    set('blur', String(strength));
  }
  if (o.sharpen !== undefined) {
    const sharp = shiftedDecimal(o.sharpen, 1);
    if (Number(sharp) / 10 !== o.sharpen) return no(`sharpen=${formatDecimal(o.sharpen)}`);
    set('sharp', sharp);
  }
  for (const [option, name, floor] of [
    ['brightness', 'bri', 0.01],
    ['contrast', 'con', 0.01],
    ['gamma', 'gam', 0.01],
    ['saturation', 'sat', 0],
  ] as const) {
    const value = o[option];
    if (value === undefined) continue;
    const level = levelOf(value, -100, 100, floor);
    if (level === undefined) return no(`${option}=${formatDecimal(value)}`, 'imgix takes whole percentages up to ×2');
    set(name, String(level));
  }
  const turn = turnOf(o);
  if (!isNoTurn(turn)) set('orient', String(EXIF_TURNS.findIndex((t) => t.mirror === turn.mirror && t.angle === turn.angle) + 1));
  if (o.background) set('bg', argb(o.background));
  if (o.trim) {
    const trim = o.trim;
    if (trim.mode === 'edges') return no('trim=top;right;bottom;left', 'imgix trims by colour or by rectangle only');
    if (trim.mode === 'rect') {
      if (trim.width === undefined || trim.height === undefined) return no('trim.left/trim.top without trim.width and trim.height');
      set('rect', `${trim.left},${trim.top},${trim.width},${trim.height}`);
    } else {
      if (trim.keep !== undefined) return no('trim.border.keep');
      set('trim', trim.color ? 'color' : 'auto');
      if (trim.color) set('trim-color', argb(trim.color));
      if (trim.tolerance !== undefined) set('trim-tol', formatDecimal(trim.tolerance));
    }
  }
  if (o.border && edges) {
    // imgix pads with bg (else transparent white): the border can only be that colour.
    if (!sameColor(o.border.color, o.background ?? TRANSPARENT_WHITE)) return no('border', 'imgix pads with the background colour only');
    for (const side of ['top', 'right', 'bottom', 'left'] as const) set(`pad-${side}`, String(edges[side]));
  }
  for (const option of ['metadata', 'anim', 'compression', 'onerror', 'slowConnectionQuality'] as const) {
    if (o[option] !== undefined) return no(option === 'slowConnectionQuality' ? 'slow-connection-quality' : option);
  }
  if (o.variant !== undefined) set('variant', o.variant);
  // A URL without an imgix parameter is an original; dpr=1 changes nothing and keeps it a transform.
  if (params.length === 0) set('dpr', '1');
  const query = params.map(([name, value]) => `${name}=${encodeURIComponent(value).replace(/%2C/g, ',')}`).join('&');
  return translated(`/${encodeSource(source)}?${query}`);
}

function cropOf(gravity: Gravity): Array<[string, string]> {
  switch (gravity.mode) {
    case 'face':
      return [['crop', 'faces']];
    case 'auto':
      return [['crop', 'entropy']];
    case 'side':
      return [['crop', gravity.side]];
    case 'point':
      return [
        ['crop', 'focalpoint'],
        ['fp-x', formatDecimal(gravity.x)],
        ['fp-y', formatDecimal(gravity.y)],
      ];
  }
}

const borderEdges = (border: Border) =>
  'width' in border ? { top: border.width, right: border.width, bottom: border.width, left: border.width } : border.edges;
