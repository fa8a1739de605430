import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCloudinary } from '../../../origin/src/grammar/cloudinary.js';
import type { ImageOptions } from '../../../origin/src/pipeline/types.js';
import { checkExpressible } from '../../support/hosted-grammars.js';

function request(pathname: string) {
  const parsed = parseCloudinary(pathname, '');
  if (!parsed?.ok) throw new Error(`expected ${pathname} to parse, got ${parsed ? parsed.error.message : 'undefined'}`);
  return parsed.value;
}
const options = (transformation: string): ImageOptions => request(`/demo/image/upload/${transformation}/sample.jpg`).options;

function failure(pathname: string) {
  const parsed = parseCloudinary(pathname, '');
  if (parsed === undefined || parsed.ok) throw new Error(`expected ${pathname} to be refused`);
  return parsed.error;
}

describe('Cloudinary grammar: URL shape', () => {
  it('claims /<cloud>/image/upload/… and /image/upload/… only', () => {
    expect(parseCloudinary('/photos/a.jpg', '')).toBeUndefined();
    expect(parseCloudinary('/demo/video/upload/a.mp4', '')).toBeUndefined();
    expect(parseCloudinary('/demo/image/other/a.jpg', '')).toBeUndefined();
    expect(request('/demo/image/upload/sample.jpg')).toEqual({ grammar: 'cloudinary', source: 'sample.jpg', options: {} });
    expect(request('/image/upload/w_100/sample.jpg').options).toEqual({ width: 100, fit: 'contain' });
  });

  it('takes the public ID (folders included, cloud name and version left out) as the source', () => {
    expect(request('/demo/image/upload/v1312461204/docs/models.jpg').source).toBe('docs/models.jpg');
    expect(request('/demo/image/upload/w_300/v1/a%20b/c.jpg').source).toBe('a b/c.jpg');
    // A segment that is not made of Cloudinary keys is part of the public ID.
    expect(request('/demo/image/upload/my_photos/w_dog.jpg').source).toBe('my_photos/w_dog.jpg');
  });

  it('skips the signature segment (checked by the signing module)', () => {
    expect(request('/demo/image/upload/s--Ai4Znfl3--/w_10/v1234/image.jpg')).toEqual({
      grammar: 'cloudinary',
      source: 'image.jpg',
      options: { width: 10, fit: 'contain' },
    });
  });

  it('reads image/fetch sources as absolute URLs, also with the slashes merged', () => {
    expect(request('/demo/image/fetch/w_100/https://upload.wikimedia.org/a.jpg').source).toBe('https://upload.wikimedia.org/a.jpg');
    expect(request('/demo/image/fetch/https:/example.com/a.jpg').source).toBe('https://example.com/a.jpg');
    expect(request('/demo/image/fetch/https%3A%2F%2Fexample.com%2Fa.jpg').source).toBe('https://example.com/a.jpg');
    expect(failure('/demo/image/fetch/w_100/a.jpg').tag).toBe('malformed_url');
  });

  it('refuses other delivery types by name, and malformed paths', () => {
    expect(failure('/demo/image/private/sample.jpg')).toMatchObject({ tag: 'unknown_option', message: expect.stringMatching(/image\/private/) });
    expect(failure('/demo/image/authenticated/s--abcdefgh--/sample.jpg').tag).toBe('unknown_option');
    expect(failure('/demo/image/upload/w_100/bad%zz.jpg').tag).toBe('malformed_url');
  });
});

describe('Cloudinary grammar: documented examples', () => {
  // Examples from cloudinary.com/documentation (transformation reference, resizing and cropping).
  const table: [string, ImageOptions][] = [
    [
      'w_600,h_400,c_fill,g_auto,f_auto,q_auto',
      {
        width: 600,
        height: 400,
        fit: 'cover',
        gravity: { mode: 'auto' },
        format: 'auto',
        quality: 'medium-high',
      },
    ],
    ['c_scale,w_150', { width: 150, fit: 'contain' }],
    ['w_150', { width: 150, fit: 'contain' }],
    ['c_scale,h_150,w_300', { width: 300, height: 150, fit: 'squeeze' }],
    ['c_fit,h_150,w_150', { width: 150, height: 150, fit: 'contain' }],
    ['c_limit,h_150,w_150', { width: 150, height: 150, fit: 'scale-down' }],
    ['c_fill,h_150,w_150', { width: 150, height: 150, fit: 'cover' }],
    ['c_lfill,h_150,w_150', { width: 150, height: 150, fit: 'crop' }],
    ['c_pad,h_150,w_150,b_black', { width: 150, height: 150, fit: 'pad', background: { r: 0, g: 0, b: 0, alpha: 1 } }],
    ['c_thumb,g_face,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'face' } }],
    ['c_thumb,g_faces,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'face' } }],
    ['c_auto,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'auto' } }],
    ['c_fill,g_north,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'side', side: 'top' } }],
    ['c_fill,g_south_east,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'point', x: 1, y: 1 } }],
    ['c_fill,g_auto:faces,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'face' } }],
    ['c_fill,g_center,h_150,w_150', { width: 150, height: 150, fit: 'cover', gravity: { mode: 'point', x: 0.5, y: 0.5 } }],
    // Gravity only positions a cropping mode.
    ['c_fit,g_north,h_150,w_150', { width: 150, height: 150, fit: 'contain' }],
    ['c_crop,h_200,w_300,x_355,y_410', { trim: { mode: 'rect', left: 355, top: 410, width: 300, height: 200 } }],
    ['c_crop,g_north_west,h_200,w_300', { trim: { mode: 'rect', left: 0, top: 0, width: 300, height: 200 } }],
    ['ar_16:9,c_fill,w_400', { width: 400, height: 225, fit: 'cover' }],
    ['ar_1.5,c_fill,h_200', { width: 300, height: 200, fit: 'cover' }],
    ['w_auto,c_scale', { width: 'auto', fit: 'contain' }],
    ['f_webp', { format: 'webp' }],
    ['f_jpg', { format: 'baseline-jpeg' }],
    ['f_jpg,fl_progressive', { format: 'jpeg' }],
    ['f_avif', { format: 'avif' }],
    ['q_80', { quality: 80 }],
    ['q_auto:best', { quality: 'high' }],
    ['q_auto:eco', { quality: 'medium-low' }],
    ['q_auto:low', { quality: 'low' }],
    ['dpr_2.0,w_100', { width: 100, fit: 'contain', dpr: 2 }],
    ['dpr_3.0,w_100', { width: 100, fit: 'contain', dpr: 3 }],
    ['dpr_7,w_100', { width: 100, fit: 'contain', dpr: 5 }],
    ['e_blur:300', { blur: 38 }],
    ['e_blur', { blur: 13 }],
    ['e_sharpen', { sharpen: 0.5 }],
    ['e_sharpen:400', { sharpen: 2 }],
    ['e_brightness:30', { brightness: 1.3 }],
    ['e_brightness', { brightness: 1.8 }],
    ['e_contrast:-20', { contrast: 0.8 }],
    ['e_gamma:50', { gamma: 1.5 }],
    ['e_saturation:-50', { saturation: 0.5 }],
    ['e_grayscale', { saturation: 0 }],
    ['a_90', { rotate: 90 }],
    ['a_-90', { rotate: 270 }],
    ['a_hflip', { flip: 'h' }],
    ['a_vflip', { flip: 'v' }],
    ['a_vflip.90', { flip: 'h', rotate: 270 }],
    ['b_rgb:9090ff', { background: { r: 0x90, g: 0x90, b: 0xff, alpha: 1 } }],
    ['b_rgb:ff000080', { background: { r: 255, g: 0, b: 0, alpha: 128 / 255 } }],
    ['bo_4px_solid_black', { border: { color: { r: 0, g: 0, b: 0, alpha: 1 }, width: 4 } }],
    ['bo_5px_solid_rgb:999', { border: { color: { r: 0x99, g: 0x99, b: 0x99, alpha: 1 }, width: 5 } }],
    ['fl_keep_iptc', { metadata: 'keep' }],
    ['t_thumb', { variant: 'thumb' }],
    ['t_thumb,f_auto', { variant: 'thumb', format: 'auto' }],
  ];
  it.each(table)('%s', (transformation, expected) => {
    expect(options(transformation)).toEqual(expected);
  });
});

describe('Cloudinary grammar: chained transformations', () => {
  const table: [string, ImageOptions][] = [
    ['a_90/w_300,c_scale', { rotate: 90, width: 300, fit: 'contain' }],
    ['w_500,f_auto/q_auto', { width: 500, fit: 'contain', format: 'auto', quality: 'medium-high' }],
    [
      'c_crop,h_200,w_300,x_10,y_20/c_fill,h_100,w_100',
      {
        trim: { mode: 'rect', left: 10, top: 20, width: 300, height: 200 },
        width: 100,
        height: 100,
        fit: 'cover',
      },
    ],
    ['w_200,c_scale,e_blur:80/e_sharpen:400', { width: 200, fit: 'contain', blur: 10, sharpen: 2 }],
    ['e_brightness:20/e_contrast:-20/e_gamma:50', { brightness: 1.2, contrast: 0.8, gamma: 1.5 }],
    ['a_90/a_90', { rotate: 180 }],
    ['a_hflip/a_hflip', {}],
    // Turning after a resize: the same as turning first into the turned box.
    ['c_fill,w_300,h_200/a_90', { rotate: 90, width: 200, height: 300, fit: 'cover' }],
    ['c_fill,g_north,w_300,h_200/a_90', { rotate: 90, width: 200, height: 300, fit: 'cover', gravity: { mode: 'point', x: 1, y: 0.5 } }],
    ['c_fill,g_west,w_300,h_200/a_hflip', { flip: 'h', width: 300, height: 200, fit: 'cover', gravity: { mode: 'point', x: 1, y: 0.5 } }],
    ['w_300/w_300', { width: 300, fit: 'contain' }],
  ];
  it.each(table)('%s', (chain, expected) => {
    expect(options(chain)).toEqual(expected);
  });

  const refused: [string, RegExp][] = [
    ['w_300/w_200', /step 2 \("w_200"\) sets width again/],
    ['c_fill,w_300,h_200/c_fit,w_300,h_200', /step 2 .* sets fit again/],
    ['e_blur:300/w_100', /step 2 \("w_100"\) resizes after a blur/],
    ['bo_2px_solid_red/w_100', /step 2 .* resizes after a blur, sharpen or border/],
    ['w_100/c_crop,w_10,h_10,x_1,y_1', /step 2 .* crops after a resize/],
    ['a_90/c_crop,w_10,h_10,x_1,y_1', /step 2 .* crops after a resize or rotation/],
    ['w_auto/a_90', /step 2 .* width=auto/],
    ['f_webp/f_avif', /step 2 \("f_avif"\) sets format again/],
  ];
  it.each(refused)('%s is refused naming the step', (chain, message) => {
    const error = failure(`/demo/image/upload/${chain}/sample.jpg`);
    expect(error.tag).toBe('invalid_option');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('Cloudinary grammar: refusals name the parameter', () => {
  const table: [string, string, RegExp][] = [
    ['l_text:Arial_20:hi', 'unknown_option', /"l_".*not supported/],
    ['r_max', 'unknown_option', /"r_"/],
    ['$w_100', 'unknown_option', /"\$w_100"/],
    ['w_0.5', 'unknown_option', /"w_".*relative/],
    ['w_abc', 'invalid_option', /"abc" for option "w_"/],
    ['w_100,w_200', 'invalid_option', /option "w_"/],
    ['c_mfit,w_100', 'unknown_option', /"c_".*mfit/],
    ['c_lpad,w_100', 'unknown_option', /"c_".*lpad/],
    ['c_stretch,w_100', 'invalid_option', /option "c_"/],
    ['c_crop,w_100,h_100', 'unknown_option', /c_crop needs x_ and y_/],
    ['c_crop,w_100', 'unknown_option', /c_crop needs w_ and h_/],
    ['x_10,w_100', 'unknown_option', /x_ and y_ are supported only with c_crop/],
    ['c_pad,g_north,w_10,h_10', 'unknown_option', /"g_"/],
    ['g_upside,c_fill,w_1,h_1', 'invalid_option', /option "g_"/],
    ['ar_16:9,w_100,h_100', 'unknown_option', /"ar_"/],
    ['ar_wide,w_100', 'invalid_option', /option "ar_"/],
    ['f_bmp', 'invalid_option', /option "f_"/],
    ['fl_attachment', 'unknown_option', /"fl_"/],
    ['q_auto:sensitive', 'invalid_option', /option "q_"/],
    ['dpr_auto', 'unknown_option', /"dpr_"/],
    ['e_cartoonify', 'unknown_option', /"e_".*cartoonify/],
    ['e_blur:5000', 'invalid_option', /option "e_"/],
    ['e_grayscale:5', 'invalid_option', /option "e_"/],
    ['a_45', 'unknown_option', /"a_"/],
    ['a_sideways', 'invalid_option', /option "a_"/],
    ['b_auto', 'unknown_option', /"b_"/],
    ['b_notacolour', 'invalid_option', /option "b_"/],
    ['bo_4px_dashed_black', 'invalid_option', /option "bo_"/],
    ['t_a.b', 'invalid_option', /option "t_"/],
  ];
  it.each(table)('%s → %s', (transformation, tag, message) => {
    const error = failure(`/demo/image/upload/${transformation}/sample.jpg`);
    expect(error.tag).toBe(tag);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('Cloudinary grammar: fuzzing', () => {
  it('never throws on arbitrary paths', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (path, search) => {
        for (const pathname of [`/${path}`, `/demo/image/upload/${path}`, `/image/fetch/${path}`]) {
          const result = parseCloudinary(pathname, search);
          expect(result === undefined || typeof result.ok === 'boolean').toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  const int = (min: number, max: number) => fc.integer({ min, max }).map(String);
  const color = fc.constantFrom('rgb:fff', 'rgb:ff0000', 'rgb:ff000080', 'black', 'white', 'red');
  const COMPONENTS: fc.Arbitrary<string>[] = [
    int(1, 3000).map((v) => `w_${v}`),
    int(1, 3000).map((v) => `h_${v}`),
    fc.constantFrom('auto').map((v) => `w_${v}`),
    fc.constantFrom('16:9', '1:1', '1.5').map((v) => `ar_${v}`),
    fc.constantFrom('scale', 'fit', 'limit', 'fill', 'lfill', 'thumb', 'auto', 'pad', 'crop', 'mfit').map((v) => `c_${v}`),
    fc.constantFrom('auto', 'face', 'faces', 'north', 'south_west', 'center', 'auto:faces').map((v) => `g_${v}`),
    int(0, 500).map((v) => `x_${v}`),
    int(0, 500).map((v) => `y_${v}`),
    fc.constantFrom('auto', 'jpg', 'png', 'webp', 'avif', 'gif').map((v) => `f_${v}`),
    fc.constantFrom('auto', 'auto:best', 'auto:eco', '1', '50', '100').map((v) => `q_${v}`),
    fc.constantFrom('1.0', '1.5', '2.0', '3.0').map((v) => `dpr_${v}`),
    fc
      .oneof(
        int(1, 2000).map((v) => `blur:${v}`),
        int(1, 2000).map((v) => `sharpen:${v}`),
        int(-99, 100).map((v) => `brightness:${v}`),
        int(-100, 100).map((v) => `contrast:${v}`),
        int(-50, 150).map((v) => `gamma:${v}`),
        int(-100, 100).map((v) => `saturation:${v}`),
        fc.constantFrom('grayscale', 'blur', 'sharpen'),
      )
      .map((v) => `e_${v}`),
    fc.constantFrom('90', '-90', '180', '270', 'hflip', 'vflip', 'hflip.90').map((v) => `a_${v}`),
    color.map((v) => `b_${v}`),
    fc.tuple(int(1, 20), color).map(([w, c]) => `bo_${w}px_solid_${c}`),
    fc.constantFrom('progressive', 'keep_iptc').map((v) => `fl_${v}`),
    fc.constantFrom('thumb').map((v) => `t_${v}`),
    fc.string({ maxLength: 6 }),
  ];
  const step = fc.uniqueArray(fc.oneof(...COMPONENTS), { minLength: 1, maxLength: 6, selector: (c) => c.split('_')[0] }).map((c) => c.join(','));
  const chain = fc.array(step, { minLength: 1, maxLength: 3 }).map((steps) => steps.join('/'));

  it('yields options the Cloudflare grammar can express and the normaliser accepts, or a 4xx', () => {
    fc.assert(
      fc.property(chain, (transformation) => {
        checkExpressible(parseCloudinary(`/demo/image/upload/${transformation}/v12/folder/sample.jpg`, ''));
      }),
      { numRuns: 3000 },
    );
  });
});
