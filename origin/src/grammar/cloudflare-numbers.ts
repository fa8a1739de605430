/**
 * Number syntax shared by the Cloudflare options: plain decimal digits only (no sign, no
 * exponent, no hex), so that every number has one obvious spelling in a URL.
 */

const INTEGER = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/** A non-negative integer written in decimal digits, within [min, max]. */
export function parseInteger(text: string, min: number, max: number): number | undefined {
  if (!INTEGER.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** A non-negative decimal such as `2`, `0.5` or `.5`, within [min, max]. */
export function parseDecimal(text: string, min: number, max: number): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

/**
 * The shortest decimal spelling that reads back as exactly `value`, never in exponent form
 * (JavaScript writes 1e-7 for 0.0000001, which the parser above rightly refuses).
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
