import fc from 'fast-check';

/**
 * Random transforms in every grammar, each written many ways: the options in any order, aliases,
 * numbers with leading or trailing zeros, percent-encoded characters, the default dpr written
 * out, parameters that carry nothing (analytics, cache busters, client-library tags), extra
 * slashes before the source, ImageKit's query form. Every spelling of one transform is one the
 * origin serves alike; the property tests check the function gives them one cache key.
 */

export interface Transform {
  readonly grammar: 'cloudflare' | 'imgix' | 'cloudinary' | 'imagekit';
  /** Steps of options (one step outside Cloudinary and ImageKit): `[names, value, numeric]`. */
  readonly steps: ReadonlyArray<ReadonlyArray<Option>>;
}

/** An option: its name's spellings (the first is canonical), its value, whether that is a number. */
type Option = readonly [names: readonly string[], value: string, numeric: boolean];

/** How one spelling writes a transform. */
export interface Noise {
  readonly order: readonly number[];
  readonly alias: readonly boolean[];
  readonly zeros: readonly number[];
  readonly escape: readonly number[];
  readonly ignorable: readonly string[];
  readonly slashes: number;
  readonly defaultDpr: boolean;
  readonly variantForm: boolean;
}

const option = (names: string | readonly string[], values: readonly string[], numeric = false) =>
  fc.constantFrom(...values).map((value): Option => [typeof names === 'string' ? [names] : names, value, numeric]);

/** Up to `max` distinct options from `pool` (one per name). */
const someOf = (pool: ReadonlyArray<fc.Arbitrary<Option>>, min: number, max: number) =>
  fc
    .shuffledSubarray(
      pool.map((_, i) => i),
      { minLength: min, maxLength: max },
    )
    .chain((indexes) => fc.tuple(...indexes.map((i) => pool[i]!)).map((options) => [...options]));

const CLOUDFLARE: ReadonlyArray<fc.Arbitrary<Option>> = [
  option(['width', 'w'], ['100', '200', '300'], true),
  option(['height', 'h'], ['100', '150'], true),
  option('fit', ['cover', 'contain', 'scale-down', 'pad']),
  option(['quality', 'q'], ['50', '80'], true),
  option(['format', 'f'], ['webp', 'auto', 'png', 'jpeg']),
  option('dpr', ['2', '1.5', '3'], true),
  option('blur', ['5', '12.5'], true),
  option(['gravity', 'g'], ['left', '0.5x0.25', 'auto'], true),
  option('rotate', ['90']),
  option('metadata', ['none', 'keep']),
];
const IMGIX: ReadonlyArray<fc.Arbitrary<Option>> = [
  option('w', ['100', '200', '300'], true),
  option('h', ['100', '150'], true),
  option('fit', ['crop', 'clip', 'max', 'fill']),
  option('q', ['50', '80'], true),
  option('fm', ['webp', 'png']),
  option('auto', ['format', 'compress', 'compress,format']),
  option('dpr', ['2', '3', '5', '2.5', '7'], true),
  option('sat', ['-50', '20'], true),
  option('flip', ['h', 'v']),
  option(['orient', 'or'], ['6', '3'], true),
  option('bg', ['ff0000', 'red']),
];
const CLOUDINARY_RESIZE: ReadonlyArray<fc.Arbitrary<Option>> = [
  option('w', ['100', '200', '300'], true),
  option('h', ['100', '150'], true),
  option('c', ['fill', 'fit', 'limit', 'scale']),
];
const CLOUDINARY_OUTPUT: ReadonlyArray<fc.Arbitrary<Option>> = [
  option('f', ['auto', 'webp', 'png']),
  option('q', ['80', 'auto', 'auto:eco'], true),
  option('dpr', ['2.0', '3.0', '5.0'], true),
  option('a', ['90', 'hflip']),
];
const IMAGEKIT_RESIZE: ReadonlyArray<fc.Arbitrary<Option>> = [
  option('w', ['100', '200', '300'], true),
  option('h', ['100', '150'], true),
  option('c', ['maintain_ratio', 'at_max', 'force']),
];
const IMAGEKIT_OUTPUT: ReadonlyArray<fc.Arbitrary<Option>> = [
  option('f', ['auto', 'webp']),
  option('q', ['80', '55'], true),
  option('dpr', ['2', '3', '4.5'], true),
  option('e-grayscale', ['']),
  option('rt', ['90', 'N90'], true),
];

const variant = (grammar: Transform['grammar'], name: string): Transform => {
  const names = { cloudflare: 'variant', imgix: 'variant', cloudinary: 't', imagekit: 'n' } as const;
  return { grammar, steps: [[[[names[grammar]], name, false]]] };
};

/** A random transform in one of the grammars. */
export const transforms: fc.Arbitrary<Transform> = fc.oneof(
  someOf(CLOUDFLARE, 1, 5).map((options): Transform => ({ grammar: 'cloudflare', steps: [options] })),
  someOf(IMGIX, 1, 5).map((options): Transform => ({ grammar: 'imgix', steps: [options] })),
  fc.tuple(someOf(CLOUDINARY_RESIZE, 1, 3), someOf(CLOUDINARY_OUTPUT, 0, 3)).map(([resize, output]): Transform => ({
    grammar: 'cloudinary',
    steps: output.length > 0 ? [resize, output] : [resize],
  })),
  fc.tuple(someOf(IMAGEKIT_RESIZE, 1, 3), someOf(IMAGEKIT_OUTPUT, 0, 3)).map(([resize, output]): Transform => ({
    grammar: 'imagekit',
    steps: output.length > 0 ? [resize, output] : [resize],
  })),
  fc
    .tuple(fc.constantFrom('cloudflare', 'imgix', 'cloudinary', 'imagekit' as const), fc.constantFrom('thumb', 'hero'))
    .map(([grammar, name]) => variant(grammar, name)),
);

const IGNORABLE = ['utm_source=newsletter', 'utm_medium=email', 'v=3', 'cb=17', 'ixlib=js-3.8.0', '_=1700000000'];

export const noise: fc.Arbitrary<Noise> = fc.record({
  order: fc.array(fc.nat(1_000), { minLength: 8, maxLength: 8 }),
  alias: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  zeros: fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }),
  escape: fc.array(fc.integer({ min: -1, max: 4 }), { minLength: 8, maxLength: 8 }),
  ignorable: fc.subarray(IGNORABLE),
  slashes: fc.nat(2),
  defaultDpr: fc.boolean(),
  variantForm: fc.boolean(),
});

/** `n`'s digits with leading zeros, and a trailing zero after a decimal point. */
function zeroed(value: string, zeros: number): string {
  if (zeros === 0 || !/^-?\d/.test(value) || value.includes(':') || value.includes('x')) return value;
  const sign = value.startsWith('-') ? '-' : '';
  const digits = value.slice(sign.length);
  return `${sign}${'0'.repeat(zeros)}${digits}${digits.includes('.') ? '0'.repeat(zeros) : ''}`;
}

/** One character (a letter or digit) percent-encoded; the name's `-`, `_` and `.` stay. */
function escaped(text: string, at: number): string {
  if (at < 0) return text;
  const index = [...text].findIndex((c, i) => i >= at % Math.max(text.length, 1) && /[A-Za-z0-9]/.test(c));
  if (index < 0) return text;
  return `${text.slice(0, index)}%${text.charCodeAt(index).toString(16).toUpperCase()}${text.slice(index + 1)}`;
}

/** Sorts `items` by the noise's order keys: a permutation that the noise decides. */
function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  return items
    .map((item, i) => [item, order[i % order.length]! * 100 + i] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([item]) => item);
}

/** The options of one step, each in the noise's spelling. */
function written(options: ReadonlyArray<Option>, noise: Noise, separator: string, escapeNames: boolean): string[] {
  return options.map(([names, value, numeric], i) => {
    const name = noise.alias[i] && names.length > 1 ? names[1]! : names[0]!;
    const spelled = escaped(numeric ? zeroed(value, noise.zeros[i]!) : value, noise.escape[i]!);
    const key = escapeNames ? escaped(name, noise.escape[(i + 3) % 8]!) : name;
    return value === '' ? key : `${key}${separator}${spelled}`;
  });
}

const source = (noise: Noise) => `${'/'.repeat(noise.slashes)}fossa.jpg`;
const hasVariant = (transform: Transform) => transform.steps.flat().some(([names]) => ['variant', 't', 'n'].includes(names[0]!));
const hasDpr = (transform: Transform) => transform.steps.flat().some(([names]) => names[0] === 'dpr');

/** The transform written as the noise says. */
export function spell(transform: Transform, noise: Noise): string {
  const dpr = noise.defaultDpr && !hasVariant(transform) && !hasDpr(transform);
  const query = noise.ignorable.length > 0 ? noise.ignorable.join('&') : '';
  switch (transform.grammar) {
    case 'cloudflare': {
      const options = written(shuffled([...transform.steps[0]!, ...(dpr ? [[['dpr'], '1', true] as Option] : [])], noise.order), noise, '=', true);
      return `/cdn-cgi/image/${options.join(',')}/${source(noise)}${query ? `?${query}` : ''}`;
    }
    case 'imgix': {
      // Repeated `auto` parameters combine: `auto=compress,format` may come as two.
      const options = transform.steps[0]!.flatMap((o): Option[] =>
        noise.variantForm && o[0][0] === 'auto' && o[1].includes(',')
          ? o[1]
              .split(',')
              .reverse()
              .map((mode): Option => [o[0], mode, false])
          : [o],
      );
      const params = written(shuffled([...options, ...(dpr ? [[['dpr'], '1.0', true] as Option] : [])], noise.order), noise, '=', true);
      return `/${source(noise)}?${shuffled([...params, ...noise.ignorable], noise.order).join('&')}`;
    }
    case 'cloudinary': {
      const steps = transform.steps.map((step, i) =>
        shuffled([...step, ...(dpr && i === transform.steps.length - 1 ? [[['dpr'], '1.0', true] as Option] : [])], noise.order),
      );
      const path = steps.map((step) => written(step, noise, '_', false).join(',')).join('/');
      return `/demo/image/upload/${path}/${noise.variantForm ? 'v1699999999/' : ''}fossa.jpg${query ? `?_a=DATA&${query}` : ''}`;
    }
    case 'imagekit': {
      const steps = transform.steps.map((step, i) => shuffled([...step, ...(dpr && i === 0 ? [[['dpr'], '1', true] as Option] : [])], noise.order));
      const tr = steps.map((step) => written(step, noise, '-', false).join(',')).join(':');
      const extra = query ? `&ik-sdk-version=javascript-5.5.1&${query}` : '';
      return noise.variantForm ? `/${source(noise)}?tr=${tr}${extra}` : `/tr:${tr}/${source(noise)}${extra ? `?${extra.slice(1)}` : ''}`;
    }
  }
}
