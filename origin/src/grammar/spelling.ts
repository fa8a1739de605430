/**
 * Spellings a grammar reads alike, described for the CloudFront function, which rewrites each URL
 * into one spelling so that equal transforms share a cache entry. Each grammar module lists the
 * options whose values hold numbers; lib/cdk/edge/tables.ts hands those lists to the function.
 */

/**
 * How the numbers in an option's value may be respelled: `i`, every digit run is an integer (dots
 * separate, as in Cloudinary's `a_90.hflip`); `d`, decimals (`1.50` is `1.5`, `.5` is `0.5`); `p`,
 * only the number the value starts with (a border width before a colour whose hex digits must stay).
 */
export type NumberSpelling = 'i' | 'd' | 'p';

const PATTERNS: Readonly<Record<NumberSpelling, RegExp>> = { i: /\d+/g, d: /\d*\.?\d+/g, p: /^\d+/ };

/**
 * The value with each number in its shortest spelling, as the CloudFront function writes it: the
 * shortest text that reads back as the same double (so over-long decimals and leading or trailing
 * zeros go), except where that text would need an exponent, which no grammar reads.
 */
export function shortestNumbers(value: string, spelling: NumberSpelling): string {
  return value.replace(PATTERNS[spelling], (digits) => {
    const shortest = String(Number(digits));
    return shortest.includes('e') ? digits : shortest;
  });
}
