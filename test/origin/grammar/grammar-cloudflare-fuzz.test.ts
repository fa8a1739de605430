import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageCdnError, type Result } from '../../../origin/src/errors.js';
import {
  CLOUDFLARE_ALIASES,
  CLOUDFLARE_OPTION_NAMES,
  formatCloudflareOptions,
  parseCloudflareOptions,
  parseCloudflarePath,
} from '../../../origin/src/grammar/cloudflare.js';
import type { Border, Gravity, ImageOptions, Rgba, Trim } from '../../../origin/src/pipeline/types.js';

const RUNS = { numRuns: 2_000 };
const GRAMMAR_TAGS = ['malformed_url', 'unknown_option', 'invalid_option'];

/** A Result whose error, if any, is a typed 400 with a one-line message. */
function expectWellFormed<T>(result: Result<T>): void {
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(ImageCdnError);
  expect(GRAMMAR_TAGS).toContain(result.error.tag);
  expect(result.error.status).toBe(400);
  expect(result.error.message).not.toMatch(/[\r\n]/);
  expect(result.error.message.length).toBeLessThan(1_000);
}

/** Pieces that matter to this grammar, glued at random: far denser in edge cases than random text. */
const piece = fc.constantFrom(
  ',',
  '=',
  '/',
  '//',
  ';',
  ':',
  '(',
  ')',
  '.',
  'x',
  '#',
  ' ',
  '%',
  '%2',
  '%25',
  '%2C',
  '%2F',
  '%23',
  '%00',
  '%C3',
  '%A9',
  '%E9',
  '%zz',
  '\u0000',
  '\n',
  '\uD800',
  'é',
  '😀',
  '0',
  '1',
  '.5',
  '-1',
  '12000',
  '12001',
  'auto',
  'w',
  'width',
  'h',
  'q',
  'f',
  'g',
  'scq',
  'fit',
  'cover',
  'gravity',
  'trim',
  'trim.',
  'trim.border.color',
  'trim.width',
  'border',
  'color',
  'red',
  'rgb',
  'background',
  'dpr',
  'blur',
  'quality',
  'format',
  'json',
  'http:',
  'https://',
  'https:/',
  'example.com',
  'photo.jpg',
  '..',
  '__proto__',
  'constructor',
);
const structured = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));

// Generators for every value the parser can produce, as plain objects like the parser's.
const record: typeof fc.record = ((model: never, constraints?: object) => fc.record(model, { ...constraints, noNullPrototype: true })) as typeof fc.record;
const noNegativeZero = (v: number) => (Object.is(v, -0) ? 0 : v);
const between = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
const int = (min: number, max: number) => fc.integer({ min, max });
const colour: fc.Arbitrary<Rgba> = record({
  r: int(0, 255),
  g: int(0, 255),
  b: int(0, 255),
  // Colours are 8-bit, alpha included.
  alpha: int(0, 255).map((a) => a / 255),
});
const quality = fc.oneof(int(1, 100), fc.constantFrom('high', 'medium-high', 'medium-low', 'low') as fc.Arbitrary<'high'>);
const gravity: fc.Arbitrary<Gravity> = fc.oneof(
  fc.constantFrom<Gravity>({ mode: 'auto' }, { mode: 'face' }),
  fc.constantFrom('left', 'right', 'top', 'bottom').map((side) => ({ mode: 'side' as const, side })),
  record({ mode: fc.constant('point' as const), x: between(0, 1), y: between(0, 1) }),
);
const pixels = int(0, 65_535);
const edges = record({ top: pixels, right: pixels, bottom: pixels, left: pixels });
const trim: fc.Arbitrary<Trim> = fc.oneof(
  record({ mode: fc.constant('edges' as const), edges }),
  record({ mode: fc.constant('border' as const), color: colour, tolerance: between(0, 255), keep: pixels }, { requiredKeys: ['mode'] }),
  record(
    { mode: fc.constant('rect' as const), left: pixels, top: pixels, width: int(1, 65_535), height: int(1, 65_535) },
    { requiredKeys: ['mode', 'left', 'top'] },
  ),
);
const borderSide = int(0, 1_000);
const border: fc.Arbitrary<Border> = fc.oneof(
  record({ color: colour, width: borderSide }),
  record({ color: colour, edges: record({ top: borderSide, right: borderSide, bottom: borderSide, left: borderSide }) }),
);

const imageOptions: fc.Arbitrary<ImageOptions> = record(
  {
    width: fc.oneof(int(1, 12_000), fc.constant('auto' as const)),
    height: int(1, 12_000),
    fit: fc.constantFrom('scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'),
    gravity,
    dpr: between(Number.MIN_VALUE, 2),
    quality,
    slowConnectionQuality: quality,
    format: fc.constantFrom('auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json'),
    metadata: fc.constantFrom('copyright', 'keep', 'none'),
    background: colour,
    blur: between(1, 250),
    sharpen: between(0, 10),
    brightness: between(0, 10),
    contrast: between(0, 10),
    gamma: between(0, 10),
    saturation: between(0, 10),
    rotate: fc.constantFrom(0, 90, 180, 270),
    flip: fc.constantFrom('h', 'v', 'hv'),
    trim,
    border,
    anim: fc.boolean(),
    compression: fc.constant('fast'),
    onerror: fc.constant('redirect'),
  },
  { requiredKeys: [] },
).filter((options) => Object.keys(options).length > 0);

const ALIAS_OF: ReadonlyMap<string, string> = new Map(Object.entries(CLOUDFLARE_ALIASES).map(([alias, name]) => [name, alias]));

describe('canonical form', () => {
  it('parse(format(options)) deep-equals options', () => {
    fc.assert(
      fc.property(imageOptions, (options) => {
        const result = parseCloudflareOptions(formatCloudflareOptions(options));
        expect(result).toStrictEqual({ ok: true, value: options });
      }),
      RUNS,
    );
  });

  it('is sorted by long name and stable under a second round trip', () => {
    fc.assert(
      fc.property(imageOptions, (options) => {
        const canonical = formatCloudflareOptions(options);
        const names = canonical.split(',').map((option) => option.slice(0, option.indexOf('=')));
        expect(names).toStrictEqual([...names].sort());
        expect(names.filter((name) => !CLOUDFLARE_OPTION_NAMES.includes(name))).toStrictEqual([]);
        const again = parseCloudflareOptions(canonical);
        expect(again.ok && formatCloudflareOptions(again.value)).toBe(canonical);
      }),
      RUNS,
    );
  });

  it('option order and alias spelling do not change the result', () => {
    fc.assert(
      fc.property(
        imageOptions.chain((options) => {
          const tokens = formatCloudflareOptions(options).split(',');
          return fc.tuple(
            fc.constant(options),
            fc.shuffledSubarray(tokens, { minLength: tokens.length, maxLength: tokens.length }),
            fc.array(fc.boolean(), { minLength: tokens.length, maxLength: tokens.length }),
          );
        }),
        ([options, shuffled, useAlias]) => {
          const respelled = shuffled.map((token, i) => {
            const name = token.slice(0, token.indexOf('='));
            const alias = ALIAS_OF.get(name);
            return alias && useAlias[i] ? alias + token.slice(name.length) : token;
          });
          expect(parseCloudflareOptions(respelled.join(','))).toStrictEqual({ ok: true, value: options });
        },
      ),
      RUNS,
    );
  });

  it('a repeated option is refused however it is spelled', () => {
    fc.assert(
      fc.property(imageOptions, fc.nat(), fc.boolean(), (options, pick, useAlias) => {
        const tokens = formatCloudflareOptions(options).split(',');
        const token = tokens[pick % tokens.length] ?? '';
        const name = token.slice(0, token.indexOf('='));
        const alias = ALIAS_OF.get(name);
        const repeat = alias && useAlias ? alias + token.slice(name.length) : token;
        const result = parseCloudflareOptions([...tokens, repeat].join(','));
        expect(!result.ok && result.error.tag).toBe('malformed_url');
        expect(!result.ok && result.error.message).toContain(`option "${name}" is given more than once`);
      }),
      RUNS,
    );
  });

  it('a source path survives percent-encoding', () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(imageOptions, fc.array(segment, { minLength: 1, maxLength: 4 }), (options, segments) => {
        const path = segments.join('/');
        fc.pre(!/^\/*$/.test(path) && !/^\/*https?:\/+/i.test(path));
        const rest = `${formatCloudflareOptions(options)}/${segments.map(encodeURIComponent).join('/')}`;
        expect(parseCloudflarePath(rest)).toStrictEqual({
          ok: true,
          value: { grammar: 'cloudflare', source: path.replace(/^\/+/, ''), options },
        });
      }),
      RUNS,
    );
  });
});

/** A valid option string and source with a few random edits: reaches the checks behind the first one. */
function mutated(): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.oneof(piece, structured));
  return fc
    .tuple(imageOptions, fc.constantFrom('/photo.jpg', '/https://example.com/a.jpg', ''), fc.array(edit, { minLength: 1, maxLength: 3 }))
    .map(([options, source, edits]) =>
      edits.reduce(
        (text, [at, remove, insert]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + insert + text.slice(i + remove);
        },
        formatCloudflareOptions(options) + source,
      ),
    );
}

describe('parsers never throw', () => {
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 80 }), structured, {
    arbitrary: mutated(),
    weight: 3,
  });

  it('parseCloudflarePath returns a request or a typed error for any text', () => {
    fc.assert(
      fc.property(anyText, (rest) => {
        const result = parseCloudflarePath(rest);
        expectWellFormed(result);
        if (result.ok) {
          expect(result.value.grammar).toBe('cloudflare');
          expect(result.value.source).not.toBe('');
          expect(result.value.source).not.toContain('\0');
          expect(result.value.source.startsWith('/')).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('parseCloudflareOptions returns options or a typed error for any text', () => {
    fc.assert(
      fc.property(anyText, (options) => {
        const result = parseCloudflareOptions(options);
        expectWellFormed(result);
        // Whatever parses must also survive the canonical form unchanged.
        if (result.ok) expect(parseCloudflareOptions(formatCloudflareOptions(result.value))).toStrictEqual(result);
      }),
      RUNS,
    );
  });
});
