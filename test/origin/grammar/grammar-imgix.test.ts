import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMGIX_PARAMETERS, parseImgix } from '../../../origin/src/grammar/imgix.js';
import type { ImageOptions } from '../../../origin/src/pipeline/types.js';
import { checkExpressible } from '../../support/hosted-grammars.js';

function options(pathname: string, search: string): ImageOptions {
  const parsed = parseImgix(pathname, search);
  if (!parsed?.ok) throw new Error(`expected ${pathname}${search} to parse, got ${parsed ? parsed.error.message : 'undefined'}`);
  return parsed.value.options;
}

function failure(search: string, pathname = '/a.jpg') {
  const parsed = parseImgix(pathname, search);
  if (parsed === undefined || parsed.ok) throw new Error(`expected ${pathname}${search} to be refused`);
  return { tag: parsed.error.tag, status: parsed.error.status, message: parsed.error.message };
}

describe('imgix grammar: which URLs are imgix URLs', () => {
  it('claims a URL only when its query names an imgix parameter', () => {
    expect(parseImgix('/photos/a.jpg', '')).toBeUndefined();
    expect(parseImgix('/photos/a.jpg', '?')).toBeUndefined();
    expect(parseImgix('/photos/a.jpg', '?utm_source=mail&v=3')).toBeUndefined();
    expect(parseImgix('/photos/a.jpg', '?w=100')).toMatchObject({ ok: true, value: { grammar: 'imgix', source: 'photos/a.jpg' } });
  });

  it('ignores imgix signature, expiry and client-library parameters', () => {
    expect(options('/users/1.png', '?ixlib=js-2.3.1&w=400&s=6797c24146142d5b40bde3141fd3600c&expires=1700000000')).toEqual({
      width: 400,
      fit: 'contain',
    });
    // Without a transform parameter the URL is the original, as imgix serves it.
    expect(parseImgix('/users/1.png', '?s=6797c24146142d5b40bde3141fd3600c&ixlib=js-3.8.0')).toBeUndefined();
  });

  it('ignores analytics tags, Unsplash ids and cache busters: they neither claim a URL nor split the cache', () => {
    expect(options('/a.jpg', '?w=400&utm_source=newsletter&utm_campaign=x&ixid=M3w&v=3&cb=1&_=17&cachebuster=2')).toEqual({ width: 400, fit: 'contain' });
    expect(parseImgix('/a.jpg', '?utm_source=newsletter&v=3')).toBeUndefined();
    expect(failure('?w=400&version=3').tag).toBe('unknown_option');
  });

  it('decodes the source path, including web-proxy sources that encode a whole URL', () => {
    const proxied = parseImgix('/http%3A%2F%2Favatars.com%2Fjohn-smith.png', '?w=50');
    expect(proxied).toMatchObject({ ok: true, value: { source: 'http://avatars.com/john-smith.png' } });
    expect(parseImgix('/a%20b/c.jpg', '?w=50')).toMatchObject({ ok: true, value: { source: 'a b/c.jpg' } });
    expect(failure('?w=50', '/bad%zz.jpg').tag).toBe('malformed_url');
    expect(failure('?w=50', '/').tag).toBe('malformed_url');
  });
});

describe('imgix grammar: documented examples', () => {
  // Examples from docs.imgix.com (Rendering API: size, fit, crop, auto, format, adjustment, rotation).
  const table: [string, ImageOptions][] = [
    [
      '?w=600&h=400&fit=crop&crop=faces&auto=format,compress&q=70&dpr=2&fm=webp',
      {
        width: 600,
        height: 400,
        fit: 'cover',
        gravity: { mode: 'face' },
        format: 'auto',
        quality: 70,
        dpr: 2,
      },
    ],
    ['?fit=clip&w=100&h=100', { width: 100, height: 100, fit: 'contain' }],
    ['?w=100', { width: 100, fit: 'contain' }],
    ['?fit=crop&w=300&h=100', { width: 300, height: 100, fit: 'cover' }],
    ['?fit=max&w=300&h=100', { width: 300, height: 100, fit: 'scale-down' }],
    ['?fit=min&w=300&h=100', { width: 300, height: 100, fit: 'crop' }],
    ['?fit=scale&w=300&h=100', { width: 300, height: 100, fit: 'squeeze' }],
    [
      '?fit=fill&fill=solid&fill-color=ff0000&w=300&h=100',
      {
        width: 300,
        height: 100,
        fit: 'pad',
        background: { r: 255, g: 0, b: 0, alpha: 1 },
      },
    ],
    [
      '?fit=crop&crop=focalpoint&fp-x=0.3&fp-y=0.6&w=200&h=200',
      {
        width: 200,
        height: 200,
        fit: 'cover',
        gravity: { mode: 'point', x: 0.3, y: 0.6 },
      },
    ],
    ['?fit=crop&crop=entropy&w=200&h=200', { width: 200, height: 200, fit: 'cover', gravity: { mode: 'auto' } }],
    ['?fit=crop&crop=edges&w=200&h=200', { width: 200, height: 200, fit: 'cover', gravity: { mode: 'auto' } }],
    ['?fit=crop&crop=top&w=200&h=200', { width: 200, height: 200, fit: 'cover', gravity: { mode: 'side', side: 'top' } }],
    ['?fit=crop&crop=bottom,right&w=200&h=200', { width: 200, height: 200, fit: 'cover', gravity: { mode: 'point', x: 1, y: 1 } }],
    // crop positions only a cropping fit, as in imgix.
    ['?crop=faces&w=200&h=200', { width: 200, height: 200, fit: 'contain' }],
    ['?fit=crop&ar=16:9&w=1600', { width: 1600, height: 900, fit: 'cover' }],
    ['?auto=compress', { quality: 45 }],
    ['?auto=compress&q=80', { quality: 80 }],
    ['?auto=compress&auto=format', { quality: 45, format: 'auto' }],
    ['?fm=jpg', { format: 'baseline-jpeg' }],
    ['?fm=pjpg', { format: 'jpeg' }],
    ['?fm=avif', { format: 'avif' }],
    ['?fm=json', { format: 'json' }],
    ['?fm=png&auto=format', { format: 'auto' }],
    ['?q=0', { quality: 1 }],
    ['?dpr=3&w=100', { width: 100, fit: 'contain', dpr: 3 }],
    ['?dpr=5&w=100', { width: 100, fit: 'contain', dpr: 5 }],
    ['?dpr=8&w=100', { width: 100, fit: 'contain', dpr: 5 }],
    ['?blur=80', { blur: 10 }],
    ['?blur=2000', { blur: 250 }],
    ['?blur=0', {}],
    ['?sharp=20', { sharpen: 2 }],
    ['?bri=20&con=-20&gam=50&sat=-100', { brightness: 1.2, contrast: 0.8, gamma: 1.5, saturation: 0 }],
    ['?bri=-100', { brightness: 0.01 }],
    ['?flip=h', { flip: 'h' }],
    ['?flip=hv', { flip: 'hv' }],
    ['?orient=90', { rotate: 90 }],
    ['?orient=270', { rotate: 270 }],
    ['?or=6', { rotate: 90 }],
    ['?orient=2', { flip: 'h' }],
    ['?orient=4', { flip: 'v' }],
    ['?orient=5', { flip: 'h', rotate: 270 }],
    ['?orient=1', {}],
    ['?rot=180', { rotate: 180 }],
    ['?orient=90&flip=h', { flip: 'h', rotate: 270 }],
    ['?bg=fff', { background: { r: 255, g: 255, b: 255, alpha: 1 } }],
    ['?bg=8000ff00', { background: { r: 0, g: 255, b: 0, alpha: 128 / 255 } }],
    ['?bg=0FFF', { background: { r: 255, g: 255, b: 255, alpha: 0 } }],
    ['?bg=red', { background: { r: 255, g: 0, b: 0, alpha: 1 } }],
    ['?trim=auto', { trim: { mode: 'border' } }],
    ['?trim=color&trim-color=fff&trim-tol=20', { trim: { mode: 'border', color: { r: 255, g: 255, b: 255, alpha: 1 }, tolerance: 20 } }],
    ['?rect=10,20,300,200', { trim: { mode: 'rect', left: 10, top: 20, width: 300, height: 200 } }],
    ['?pad=20', { border: { color: { r: 255, g: 255, b: 255, alpha: 0 }, edges: { top: 20, right: 20, bottom: 20, left: 20 } } }],
    [
      '?pad=10&pad-left=30&bg=000',
      {
        background: { r: 0, g: 0, b: 0, alpha: 1 },
        border: { color: { r: 0, g: 0, b: 0, alpha: 1 }, edges: { top: 10, right: 10, bottom: 10, left: 30 } },
      },
    ],
    // With a size, imgix's padding sits inside it: the image box shrinks by the padding.
    [
      '?w=200&h=100&pad=10',
      {
        width: 180,
        height: 80,
        fit: 'contain',
        border: { color: { r: 255, g: 255, b: 255, alpha: 0 }, edges: { top: 10, right: 10, bottom: 10, left: 10 } },
      },
    ],
    ['?variant=thumb', { variant: 'thumb' }],
    ['?variant=thumb&auto=format', { variant: 'thumb', format: 'auto' }],
  ];
  it.each(table)('%s', (search, expected) => {
    expect(options('/photos/a.jpg', search)).toEqual(expected);
  });
});

describe('imgix grammar: refusals name the parameter', () => {
  const table: [string, string, RegExp][] = [
    ['?w=600&txt=Hello', 'unknown_option', /"txt".*not supported/],
    ['?w=600&foo=1', 'unknown_option', /unknown option "foo"; accepted options: w, h/],
    ['?w=abc', 'invalid_option', /"abc" for option "w"/],
    ['?w=0.5', 'unknown_option', /"w".*fraction/],
    ['?w=13000', 'invalid_option', /option "w"/],
    ['?w=100&w=200', 'invalid_option', /option "w"/],
    ['?fit=facearea&w=100&h=100', 'unknown_option', /"fit".*facearea/],
    ['?fit=fillmax&w=100&h=100', 'unknown_option', /"fit".*fillmax/],
    ['?fit=stretch', 'invalid_option', /option "fit"/],
    ['?crop=middle&fit=crop&w=1&h=1', 'invalid_option', /"middle" for option "crop"/],
    ['?fp-x=2&crop=focalpoint', 'invalid_option', /option "fp-x"/],
    ['?auto=enhance', 'unknown_option', /"auto".*enhance/],
    ['?fm=jxl', 'invalid_option', /"jxl" for option "fm"/],
    ['?q=101', 'invalid_option', /option "q"/],
    ['?dpr=0', 'invalid_option', /option "dpr"/],
    ['?blur=-1', 'invalid_option', /option "blur"/],
    ['?bri=101', 'invalid_option', /option "bri"/],
    ['?rot=45', 'unknown_option', /"rot"/],
    ['?orient=9', 'invalid_option', /option "orient"/],
    ['?flip=x', 'invalid_option', /option "flip"/],
    ['?bg=zz', 'invalid_option', /option "bg"/],
    ['?fill=blur&fit=fill&w=1&h=1', 'unknown_option', /"fill"/],
    ['?bg=fff&fill-color=000', 'invalid_option', /option "fill-color"/],
    ['?trim=color', 'invalid_option', /option "trim-color"/],
    ['?trim-tol=3', 'unknown_option', /"trim-color"/],
    ['?rect=1,2,3', 'invalid_option', /option "rect"/],
    ['?pad=20&w=30', 'invalid_option', /option "pad"/],
    ['?fit=crop&ar=16:9', 'unknown_option', /"ar"/],
    ['?ar=wide&fit=crop&w=10', 'invalid_option', /option "ar"/],
    ['?variant=', 'invalid_option', /option "variant"/],
  ];
  it.each(table)('%s → %s', (search, tag, message) => {
    const error = failure(search);
    expect(error.tag).toBe(tag);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('imgix grammar: fuzzing', () => {
  it('never throws on arbitrary paths and queries', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (path, search) => {
        const result = parseImgix(`/${path}`, search);
        expect(result === undefined || typeof result.ok === 'boolean').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  const int = (min: number, max: number) => fc.integer({ min, max }).map(String);
  const hex = fc.constantFrom('fff', '000', 'ff0000', '80ff0000', '0FFF', 'red', 'transparent');
  /** Plausible values per parameter, so most generated URLs parse and exercise the mapping. */
  const VALUES: Record<string, fc.Arbitrary<string>> = {
    w: int(1, 4000),
    h: int(1, 4000),
    ar: fc.constantFrom('16:9', '1:1', '4:3', '1.5:1'),
    fit: fc.constantFrom('clip', 'crop', 'fill', 'max', 'min', 'scale'),
    crop: fc.constantFrom('faces', 'focalpoint', 'entropy', 'edges', 'top', 'bottom,left', 'top,right', 'faces,top'),
    'fp-x': fc.constantFrom('0', '0.25', '1'),
    'fp-y': fc.constantFrom('0', '0.75', '1'),
    auto: fc.constantFrom('format', 'compress', 'format,compress'),
    fm: fc.constantFrom('jpg', 'pjpg', 'png', 'webp', 'avif', 'json', 'gif'),
    q: int(0, 100),
    dpr: fc.constantFrom('0.5', '1', '1.5', '2', '3', '5'),
    blur: int(0, 2000),
    sharp: int(0, 100),
    bri: int(-100, 100),
    con: int(-100, 100),
    gam: int(-100, 100),
    sat: int(-100, 100),
    rot: fc.constantFrom('0', '180'),
    orient: fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '90', '180', '270'),
    or: fc.constantFrom('3', '6'),
    flip: fc.constantFrom('h', 'v', 'hv'),
    bg: hex,
    fill: fc.constant('solid'),
    'fill-color': hex,
    trim: fc.constantFrom('auto', 'color'),
    'trim-color': hex,
    'trim-tol': int(0, 255),
    pad: int(0, 50),
    'pad-top': int(0, 50),
    'pad-right': int(0, 50),
    'pad-bottom': int(0, 50),
    'pad-left': int(0, 50),
    rect: fc.tuple(int(0, 500), int(0, 500), int(1, 500), int(1, 500)).map((parts) => parts.join(',')),
    variant: fc.constantFrom('thumb', 'hero'),
  };
  const junk = fc.oneof(fc.constantFrom('', '-1', 'abc', '1e3', 'NaN', '%zz'), fc.string({ maxLength: 8 }));
  const params = fc.uniqueArray(
    fc
      .constantFrom(...IMGIX_PARAMETERS, 'txt', 's', 'ixlib', 'nope')
      .chain((name) => fc.tuple(fc.constant(name), fc.oneof({ weight: 9, arbitrary: VALUES[name] ?? junk }, { weight: 1, arbitrary: junk }))),
    { maxLength: 8, selector: ([name]) => name },
  );

  it('yields options the Cloudflare grammar can express and the normaliser accepts, or a 4xx', () => {
    fc.assert(
      fc.property(params, (pairs) => {
        const search = `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
        const result = parseImgix('/a.jpg', search);
        checkExpressible(result);
      }),
      { numRuns: 3000 },
    );
  });
});
