/**
 * Number syntax of the URL grammars: plain decimal digits, never an exponent or hex, so that
 * every number has one obvious spelling in a URL. Cloudflare's options are unsigned; the hosted
 * services (imgix, Cloudinary, ImageKit) also write negative numbers (`rot=-90`, `e_brightness:-20`).
 */

const UNSIGNED_INTEGER = /^\d+$/;
const UNSIGNED_DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
const SIGNED_INTEGER = /^-?\d+$/;
const SIGNED_DECIMAL = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** A non-negative integer written in decimal digits, within [min, max]. */
export function parseInteger(text: string, min: number, max: number): number | undefined {
  return numberIn(text, UNSIGNED_INTEGER, min, max);
}

/** A non-negative decimal such as `2`, `0.5` or `.5`, within [min, max]. */
export function parseDecimal(text: string, min: number, max: number): number | undefined {
  return numberIn(text, UNSIGNED_DECIMAL, min, max);
}

/** A decimal integer, optionally negative, within [min, max]. */
export function parseSignedInteger(text: string, min: number, max: number): number | undefined {
  return numberIn(text, SIGNED_INTEGER, min, max);
}

/** A plain decimal number, optionally negative, within [min, max]. */
export function parseSignedDecimal(text: string, min: number, max: number): number | undefined {
  return numberIn(text, SIGNED_DECIMAL, min, max);
}

function numberIn(text: string, syntax: RegExp, min: number, max: number): number | undefined {
  if (!syntax.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

/**
 * The shortest decimal spelling that reads back as exactly `value`, never in exponent form
 * (JavaScript writes 1e-7 for 0.0000001, which the parsers above rightly refuse).
 */
export function formatDecimal(value: number): string {
  const text = String(value);
  const exponentAt = text.indexOf('e');
  if (exponentAt === -1) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, exponentAt);
  const exponent = Number(text.slice(exponentAt + 1));
  const pointAt = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  // Position of the decimal point within `digits` once the exponent is applied.
  const point = (pointAt === -1 ? mantissa.length : pointAt) + exponent;
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}
