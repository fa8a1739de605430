import { formatDecimal } from '../../grammar/numbers.js';

/**
 * The hosted grammars' scales, inverted: which of their values reads back as exactly a Cloudflare
 * value. Each answer is checked against the forward mapping the origin applies (grammar/hosted.ts,
 * imgix.ts, cloudinary.ts, imagekit.ts), so an approximation is never offered.
 */

/** Level L in -100..100 read as (100 + L) / 100 (imgix bri/con/gam/sat, Cloudinary e_…). `floor` is the origin's lowest multiplier. */
export function levelOf(multiplier: number, min: number, max: number, floor = 0.01): number | undefined {
  const level = Math.round(multiplier * 100) - 100;
  return level >= min && level <= max && Math.max(floor, (100 + level) / 100) === multiplier ? level : undefined;
}

/** imgix `blur` and Cloudinary `e_blur` run 0..2000; the origin reads v as round(v / 8). */
export function strength2000Of(blur: number): number | undefined {
  const strength = blur * 8;
  return Number.isInteger(strength) && strength >= 1 && strength <= 2000 && Math.min(250, Math.max(1, Math.round(strength / 8))) === blur
    ? strength
    : undefined;
}

/** A decimal times 10^places, written without floating-point noise (0.7 → "7", not "7.000000000000001"). */
export function shiftedDecimal(value: number, places: number): string {
  const [whole = '', fraction = ''] = formatDecimal(value).split('.');
  const digits = `${whole}${fraction.padEnd(places, '0')}`;
  const point = whole.length + places;
  const text = `${digits.slice(0, point)}${digits.length > point ? `.${digits.slice(point)}` : ''}`;
  return text.replace(/^0+(?=\d)/, '');
}

/** Two hex digits of an 8-bit channel. */
export const hex2 = (value: number): string => Math.round(value).toString(16).padStart(2, '0');
