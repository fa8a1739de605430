/**
 * The cache-key measurement: one transform (five options on one source) written in every order
 * its grammar allows, in each grammar, with an explicit format and with format=auto.
 */

export interface KeyFamily {
  readonly name: string;
  /** Every spelling of the one transform: the options in every order. */
  readonly spellings: readonly string[];
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

const family = (name: string, options: readonly string[], write: (options: string[]) => string): KeyFamily => ({
  name,
  spellings: permutations(options).map(write),
});

/** The families of the table in docs/architecture.md, in its order. */
export const KEY_FAMILIES: readonly KeyFamily[] = [
  family(
    'Cloudflare, explicit format',
    ['width=400', 'height=300', 'fit=cover', 'quality=70', 'format=webp'],
    (o) => `/cdn-cgi/image/${o.join(',')}/fossa.jpg`,
  ),
  family('Cloudflare, format=auto', ['width=400', 'height=300', 'fit=cover', 'quality=70', 'format=auto'], (o) => `/cdn-cgi/image/${o.join(',')}/fossa.jpg`),
  family('imgix, explicit format', ['w=400', 'h=300', 'fit=crop', 'q=70', 'fm=webp'], (o) => `/fossa.jpg?${o.join('&')}`),
  family('imgix, auto=format', ['w=400', 'h=300', 'fit=crop', 'q=70', 'auto=format'], (o) => `/fossa.jpg?${o.join('&')}`),
  family('Cloudinary, explicit format', ['w_400', 'h_300', 'c_fill', 'q_70', 'f_webp'], (o) => `/demo/image/upload/${o.join(',')}/fossa.jpg`),
  family('Cloudinary, f_auto', ['w_400', 'h_300', 'c_fill', 'q_70', 'f_auto'], (o) => `/demo/image/upload/${o.join(',')}/fossa.jpg`),
  family('ImageKit, explicit format', ['w-400', 'h-300', 'c-maintain_ratio', 'q-70', 'f-webp'], (o) => `/tr:${o.join(',')}/fossa.jpg`),
  family('ImageKit, f-auto', ['w-400', 'h-300', 'c-maintain_ratio', 'q-70', 'f-auto'], (o) => `/tr:${o.join(',')}/fossa.jpg`),
];

/** The table as docs/architecture.md shows it, between its markers. */
export const TABLE_START = '<!-- cache-key-table: test/cdk/edge/cache-keys.slow.test.ts checks this table -->';
export const TABLE_END = '<!-- /cache-key-table -->';
