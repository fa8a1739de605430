import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImageKit } from '../../../origin/src/grammar/imagekit.js';
import type { ImageOptions } from '../../../origin/src/pipeline/types.js';
import { checkExpressible } from '../../support/hosted-grammars.js';

function request(pathname: string, search = '', endpoint?: string) {
  const parsed = parseImageKit(pathname, search, endpoint ? { endpoint } : {});
  if (!parsed?.ok) throw new Error(`expected ${pathname}${search} to parse, got ${parsed ? parsed.error.message : 'undefined'}`);
  return parsed.value;
}
const options = (transformation: string): ImageOptions => request(`/tr:${transformation}/sample.jpg`).options;

function failure(pathname: string, search = '') {
  const parsed = parseImageKit(pathname, search);
  if (parsed === undefined || parsed.ok) throw new Error(`expected ${pathname}${search} to be refused`);
  return parsed.error;
}

describe('ImageKit grammar: URL shape', () => {
  it('claims a tr: path segment after the endpoint, or a tr query parameter', () => {
    expect(parseImageKit('/photos/a.jpg', '')).toBeUndefined();
    expect(parseImageKit('/photos/a.jpg', '?ik-sdk-version=javascript-1.4.3')).toBeUndefined();
    expect(request('/tr:w-300/photos/a.jpg')).toEqual({ grammar: 'imagekit', source: 'photos/a.jpg', options: { width: 300, fit: 'contain' } });
    expect(request('/photos/a.jpg', '?tr=w-300&ik-sdk-version=javascript-1.4.3').options).toEqual({ width: 300, fit: 'contain' });
  });

  it("strips a configured endpoint (ImageKit's /<imagekit_id>/) from the source", () => {
    expect(request('/demo/tr:w-300/photos/a.jpg', '', '/demo/')).toMatchObject({ source: 'photos/a.jpg' });
    expect(request('/demo/photos/a.jpg', '?tr=w-300', '/demo/')).toMatchObject({ source: 'photos/a.jpg' });
    expect(parseImageKit('/other/tr:w-300/a.jpg', '', { endpoint: '/demo/' })).toBeUndefined();
    // With the default endpoint, tr: must be the first segment.
    expect(parseImageKit('/demo/tr:w-300/a.jpg', '')).toBeUndefined();
  });

  it('keeps absolute (web proxy) sources and decodes paths', () => {
    expect(request('/tr:w-300/https://example.com/a.jpg').source).toBe('https://example.com/a.jpg');
    expect(request('/tr:w-300/a%20b.jpg').source).toBe('a b.jpg');
    expect(failure('/tr:w-300/bad%zz.jpg').tag).toBe('malformed_url');
    expect(failure('/tr:w-300').tag).toBe('malformed_url');
    expect(failure('/tr:w-300/').tag).toBe('malformed_url');
  });

  it('runs path transformations before query ones', () => {
    expect(request('/tr:rt-90/a.jpg', '?tr=w-300,h-200').options).toEqual({ rotate: 90, width: 300, height: 200, fit: 'cover' });
    expect(failure('/a.jpg', '?tr=w-1&tr=h-1').tag).toBe('invalid_option');
  });
});

describe('ImageKit grammar: documented examples', () => {
  // Examples from imagekit.io/docs (image-resize-and-crop, effects-and-enhancements, transformations).
  const table: [string, ImageOptions][] = [
    ['w-600,h-400,c-maintain_ratio', { width: 600, height: 400, fit: 'cover' }],
    ['w-600,h-400', { width: 600, height: 400, fit: 'cover' }],
    ['h-300', { height: 300, fit: 'contain' }],
    ['w-400,ar-4-3', { width: 400, height: 300, fit: 'cover' }],
    ['h-200,ar-16-9', { width: 356, height: 200, fit: 'cover' }],
    ['w-400,h-300,ar-4-3', { width: 400, height: 300, fit: 'cover' }],
    ['w-300,h-200,c-force', { width: 300, height: 200, fit: 'squeeze' }],
    ['w-300,h-200,c-at_max', { width: 300, height: 200, fit: 'scale-down' }],
    ['w-300,h-200,c-at_max_enlarge', { width: 300, height: 200, fit: 'contain' }],
    ['w-300,h-200,cm-pad_resize,bg-F3F3F3', { width: 300, height: 200, fit: 'pad', background: { r: 0xf3, g: 0xf3, b: 0xf3, alpha: 1 } }],
    ['w-300,h-200,cm-pad_resize,bg-FF000050', { width: 300, height: 200, fit: 'pad', background: { r: 255, g: 0, b: 0, alpha: 128 / 255 } }],
    ['w-300,h-200,cm-extract,x-100,y-50', { trim: { mode: 'rect', left: 100, top: 50, width: 300, height: 200 } }],
    ['w-300,h-200,cm-extract,fo-top_left', { trim: { mode: 'rect', left: 0, top: 0, width: 300, height: 200 } }],
    ['w-300,h-200,fo-top', { width: 300, height: 200, fit: 'cover', gravity: { mode: 'side', side: 'top' } }],
    ['w-300,h-200,fo-bottom_right', { width: 300, height: 200, fit: 'cover', gravity: { mode: 'point', x: 1, y: 1 } }],
    ['w-300,h-200,fo-auto', { width: 300, height: 200, fit: 'cover', gravity: { mode: 'auto' } }],
    ['w-300,h-200,fo-face', { width: 300, height: 200, fit: 'cover', gravity: { mode: 'face' } }],
    ['w-300,h-200,c-at_max,fo-face', { width: 300, height: 200, fit: 'scale-down' }],
    ['w-auto', { width: 'auto', fit: 'contain' }],
    ['q-50', { quality: 50 }],
    ['f-webp', { format: 'webp' }],
    ['f-auto', { format: 'auto' }],
    ['f-jpg', { format: 'baseline-jpeg' }],
    ['f-jpg,pr-true', { format: 'jpeg' }],
    ['f-orig', {}],
    ['dpr-2,w-100', { width: 100, fit: 'contain', dpr: 2 }],
    ['dpr-2.5,w-100', { width: 100, fit: 'contain', dpr: 2.5 }],
    ['dpr-6,w-100', { width: 100, fit: 'contain', dpr: 5 }],
    ['bl-10', { blur: 25 }],
    ['bl-100', { blur: 250 }],
    ['e-sharpen', { sharpen: 1 }],
    ['e-sharpen-3', { sharpen: 3 }],
    ['e-grayscale', { saturation: 0 }],
    ['rt-90', { rotate: 90 }],
    ['rt-N90', { rotate: 270 }],
    ['rt-360', {}],
    ['fl-h', { flip: 'h' }],
    ['fl-v', { flip: 'v' }],
    ['fl-h_v', { rotate: 180 }],
    ['fl-h,rt-90', { flip: 'h', rotate: 90 }],
    ['b-5_FFF000', { border: { color: { r: 255, g: 240, b: 0, alpha: 1 }, width: 5 } }],
    ['bg-red', { background: { r: 255, g: 0, b: 0, alpha: 1 } }],
    ['t-true', { trim: { mode: 'border' } }],
    ['t-20', { trim: { mode: 'border', tolerance: 20 } }],
    ['t-false', {}],
    ['n-thumb', { variant: 'thumb' }],
    ['n-my-hero,f-auto', { variant: 'my-hero', format: 'auto' }],
  ];
  it.each(table)('%s', (transformation, expected) => {
    expect(options(transformation)).toEqual(expected);
  });
});

describe('ImageKit grammar: chained transformations', () => {
  const table: [string, ImageOptions][] = [
    ['rt-90:w-300,h-200', { rotate: 90, width: 300, height: 200, fit: 'cover' }],
    ['w-400,h-300:rt-90', { rotate: 90, width: 300, height: 400, fit: 'cover' }],
    ['w-400,h-300,fo-left:rt-180', { rotate: 180, width: 400, height: 300, fit: 'cover', gravity: { mode: 'point', x: 1, y: 0.5 } }],
    ['w-400:f-webp:q-60', { width: 400, fit: 'contain', format: 'webp', quality: 60 }],
    [
      'w-300,h-200,cm-extract,x-1,y-2:w-100,h-100',
      {
        trim: { mode: 'rect', left: 1, top: 2, width: 300, height: 200 },
        width: 100,
        height: 100,
        fit: 'cover',
      },
    ],
  ];
  it.each(table)('%s', (chain, expected) => {
    expect(options(chain)).toEqual(expected);
  });

  const refused: [string, RegExp][] = [
    ['w-300:w-200', /step 2 \("w-200"\) sets width again/],
    ['bl-10:w-100', /step 2 \("w-100"\) resizes after a blur/],
    ['w-100:w-10,h-10,cm-extract,x-0,y-0', /step 2 .* crops after a resize/],
  ];
  it.each(refused)('%s is refused naming the step', (chain, message) => {
    const error = failure(`/tr:${chain}/a.jpg`);
    expect(error.tag).toBe('invalid_option');
    expect(error.message).toMatch(message);
  });
});

describe('ImageKit grammar: refusals name the parameter', () => {
  const table: [string, string, RegExp][] = [
    ['l-image,i-logo.png,l-end', 'unknown_option', /"l-".*not supported/],
    ['e-usm-2-2-0.8-0.024', 'unknown_option', /"e-usm-"/],
    ['e-bgremove', 'unknown_option', /"e-bgremove-"/],
    ['r-max', 'unknown_option', /"r-"/],
    ['z-0.5', 'unknown_option', /"z-"/],
    ['foo-1', 'unknown_option', /unknown option "foo-"; accepted options: w-, h-/],
    ['w-0.4', 'unknown_option', /"w-".*relative/],
    ['w-abc', 'invalid_option', /"abc" for option "w-"/],
    ['w', 'invalid_option', /option "w-"/],
    ['w-100,w-200', 'invalid_option', /option "w-"/],
    ['w-1,,h-1', 'invalid_option', /option "tr"/],
    ['w-100,h-100,c-at_least', 'unknown_option', /"c-".*at_least/],
    ['w-100,h-100,c-stretch', 'invalid_option', /option "c-"/],
    ['w-100,h-100,c-force,cm-pad_resize', 'invalid_option', /option "cm-"/],
    ['w-100,h-100,cm-pad_extract', 'unknown_option', /"cm-"/],
    ['w-100,h-100,cm-pad_resize,fo-left', 'unknown_option', /"fo-"/],
    ['w-100,h-100,cm-extract', 'unknown_option', /cm-extract needs x- and y-/],
    ['x-10,w-100', 'unknown_option', /x- and y- are supported only with cm-extract/],
    ['w-100,h-100,fo-custom', 'unknown_option', /"fo-"/],
    ['w-100,h-100,fo-t0p', 'invalid_option', /option "fo-"/],
    ['ar-16:9,w-100', 'invalid_option', /option "ar-"/],
    ['ar-16-9', 'unknown_option', /"ar-"/],
    ['f-bmp', 'invalid_option', /option "f-"/],
    ['pr-yes', 'invalid_option', /option "pr-"/],
    ['q-0', 'invalid_option', /option "q-"/],
    ['dpr-auto', 'unknown_option', /"dpr-"/],
    ['bl-0', 'invalid_option', /option "bl-"/],
    ['e-sharpen-11', 'invalid_option', /option "e-sharpen"/],
    ['rt-45', 'invalid_option', /option "rt-"/],
    ['rt-auto', 'unknown_option', /"rt-"/],
    ['fl-x', 'invalid_option', /option "fl-"/],
    ['bg-blurred', 'unknown_option', /"bg-"/],
    ['bg-GGGGGG', 'invalid_option', /option "bg-"/],
    ['b-5', 'invalid_option', /option "b-"/],
    ['t-100', 'invalid_option', /option "t-"/],
  ];
  it.each(table)('%s → %s', (transformation, tag, message) => {
    const error = failure(`/tr:${transformation}/a.jpg`);
    expect(error.tag).toBe(tag);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('ImageKit grammar: fuzzing', () => {
  it('never throws on arbitrary paths and queries', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (path, search) => {
        for (const [pathname, query] of [
          [`/${path}`, search],
          [`/tr:${path}`, search],
          ['/a.jpg', `?tr=${search}`],
        ] as const) {
          const result = parseImageKit(pathname, query);
          expect(result === undefined || typeof result.ok === 'boolean').toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  const int = (min: number, max: number) => fc.integer({ min, max }).map(String);
  const color = fc.constantFrom('FFFFFF', 'FF000050', '00ff0099', 'red');
  const COMPONENTS: fc.Arbitrary<string>[] = [
    int(1, 3000).map((v) => `w-${v}`),
    int(1, 3000).map((v) => `h-${v}`),
    fc.constant('w-auto'),
    fc.constantFrom('16-9', '1-1', '4-3').map((v) => `ar-${v}`),
    fc.constantFrom('maintain_ratio', 'force', 'at_max', 'at_max_enlarge', 'at_least').map((v) => `c-${v}`),
    fc.constantFrom('pad_resize', 'extract').map((v) => `cm-${v}`),
    fc.constantFrom('center', 'top', 'left', 'bottom_right', 'auto', 'face').map((v) => `fo-${v}`),
    int(0, 500).map((v) => `x-${v}`),
    int(0, 500).map((v) => `y-${v}`),
    int(1, 100).map((v) => `q-${v}`),
    fc.constantFrom('auto', 'webp', 'jpg', 'png', 'avif', 'gif', 'orig').map((v) => `f-${v}`),
    fc.constantFrom('true', 'false').map((v) => `pr-${v}`),
    fc.constantFrom('1', '1.5', '2', '3').map((v) => `dpr-${v}`),
    int(1, 100).map((v) => `bl-${v}`),
    fc.oneof(
      fc.constant('e-sharpen'),
      int(0, 10).map((v) => `e-sharpen-${v}`),
    ),
    fc.constant('e-grayscale'),
    fc.constantFrom('0', '90', '180', '270', 'N90').map((v) => `rt-${v}`),
    fc.constantFrom('h', 'v', 'h_v').map((v) => `fl-${v}`),
    color.map((v) => `bg-${v}`),
    fc.tuple(int(1, 20), color).map(([w, c]) => `b-${w}_${c}`),
    fc.constantFrom('true', 'false', '10').map((v) => `t-${v}`),
    fc.constant('n-thumb'),
    fc.string({ maxLength: 6 }),
  ];
  const key = (component: string) => (component.startsWith('e-') ? component.split('-').slice(0, 2).join('-') : component.split('-')[0]);
  const step = fc.uniqueArray(fc.oneof(...COMPONENTS), { minLength: 1, maxLength: 6, selector: key }).map((c) => c.join(','));
  const chain = fc.array(step, { minLength: 1, maxLength: 3 }).map((steps) => steps.join(':'));

  it('yields options the Cloudflare grammar can express and the normaliser accepts, or a 4xx', () => {
    fc.assert(
      fc.property(chain, fc.boolean(), (transformation, inQuery) => {
        const result = inQuery
          ? parseImageKit('/demo/folder/a.jpg', `?tr=${encodeURIComponent(transformation)}`, { endpoint: '/demo/' })
          : parseImageKit(`/demo/tr:${transformation}/folder/a.jpg`, '', { endpoint: '/demo/' });
        checkExpressible(result);
      }),
      { numRuns: 3000 },
    );
  });
});
