/**
 * What the grammars promise the CloudFront function: the options their tables list as numbers
 * read alike however their numbers are spelled; what the function cannot respell is refused;
 * chained steps are bounded; and the hosted grammars serve dpr up to 5 within the output limits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../origin/src/settings/constants.js';
import type { Result } from '../../../origin/src/errors.js';
import { CLOUDFLARE_NUMBER_OPTIONS, parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { CLOUDINARY_NUMBER_KEYS, parseCloudinary } from '../../../origin/src/grammar/cloudinary.js';
import { MAX_HOSTED_DPR, MAX_STEP_COMPONENTS, MAX_STEPS } from '../../../origin/src/grammar/hosted.js';
import { IMAGEKIT_NUMBER_KEYS, parseImageKit } from '../../../origin/src/grammar/imagekit.js';
import { IMGIX_NUMBER_PARAMETERS, parseImgix } from '../../../origin/src/grammar/imgix.js';
import { shortestNumbers, type NumberSpelling } from '../../../origin/src/grammar/spelling.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { ImageOptions, ImageRequest } from '../../../origin/src/pipeline/types.js';
import { checkOutputLimits } from '../../../origin/src/transform/limits.js';

/** The value with zeros added around each number its spelling covers: `1.5` → `01.50`. */
function padded(value: string, spelling: NumberSpelling): string {
  const pattern = spelling === 'd' ? /\d*\.?\d+/g : spelling === 'p' ? /^\d+/ : /\d+/g;
  return value.replace(pattern, (n) => `00${n}${n.includes('.') ? '00' : ''}`);
}

const options = (result: Result<ImageRequest> | undefined): ImageOptions | string => {
  if (result === undefined) return 'not claimed';
  return result.ok ? result.value.options : result.error.tag;
};

/** One valid value per numeric option, and how to read it in its grammar. */
const GRAMMARS: Array<{
  name: string;
  table: Readonly<Record<string, NumberSpelling>>;
  samples: Readonly<Record<string, string>>;
  read: (name: string, value: string) => ImageOptions | string;
}> = [
  {
    name: 'Cloudflare',
    table: CLOUDFLARE_NUMBER_OPTIONS,
    samples: {
      width: '600',
      height: '400',
      quality: '80',
      'slow-connection-quality': '40',
      trim: '1;2;3;4',
      'trim.left': '10',
      'trim.top': '5',
      'trim.width': '50',
      'trim.height': '60',
      'trim.border.keep': '2',
      dpr: '1.5',
      blur: '12.5',
      sharpen: '2',
      brightness: '1.2',
      contrast: '0.8',
      gamma: '2',
      saturation: '0.5',
      gravity: '0.5x0.25',
      'trim.border.tolerance': '12.5',
    },
    read: (name, value) => {
      const parsed = parseCloudflareOptions(`${name}=${value}`);
      return parsed.ok ? parsed.value : parsed.error.tag;
    },
  },
  {
    name: 'imgix',
    table: IMGIX_NUMBER_PARAMETERS,
    samples: {
      w: '600',
      h: '400',
      q: '80',
      blur: '80',
      bri: '-20',
      con: '20',
      gam: '10',
      sat: '-50',
      orient: '6',
      or: '3',
      rect: '10,20,300,200',
      pad: '10',
      'pad-top': '10',
      'pad-right': '5',
      'pad-bottom': '5',
      'pad-left': '10',
      ar: '16:9',
      dpr: '2.5',
      'fp-x': '0.25',
      'fp-y': '0.75',
      sharp: '12.5',
      rot: '180',
      'trim-tol': '12.5',
    },
    read: (name, value) => {
      const context = name.startsWith('fp-')
        ? 'fit=crop&crop=focalpoint&w=100&h=100&'
        : name === 'trim-tol'
          ? 'trim=auto&'
          : name === 'ar'
            ? 'fit=crop&w=100&'
            : '';
      return options(parseImgix('/a.jpg', `?${context}${name}=${value}`));
    },
  },
  {
    name: 'Cloudinary',
    table: CLOUDINARY_NUMBER_KEYS,
    samples: { w: '600', h: '400', x: '10', y: '20', q: '80', e: 'brightness:-50', a: '90.hflip', ar: '1.5', dpr: '2.5', bo: '5px_solid_rgb:000000' },
    read: (name, value) => {
      const context = name === 'x' || name === 'y' ? 'c_crop,w_100,h_100,' : name === 'ar' ? 'w_100,' : '';
      return options(parseCloudinary(`/image/upload/${context}${name}_${value}/a.jpg`, ''));
    },
  },
  {
    name: 'ImageKit',
    table: IMAGEKIT_NUMBER_KEYS,
    samples: { w: '600', h: '400', x: '10', y: '20', q: '80', bl: '10', rt: 'N90', t: '10', ar: '16-9', dpr: '2.5', 'e-sharpen': '2.5', b: '5_000000' },
    read: (name, value) => {
      const context = name === 'x' || name === 'y' ? 'cm-extract,w-100,h-100,' : name === 'ar' ? 'w-100,' : '';
      return options(parseImageKit(`/tr:${context}${name}-${value}/a.jpg`, ''));
    },
  },
];

describe.each(GRAMMARS)('$name: the options its table lists as numbers', ({ table, samples, read }) => {
  it('has a sample for every listed option', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(table).sort());
  });

  it.each(Object.keys(table))("%s reads alike with leading and trailing zeros, and the function's respelling gives the sample back", (name) => {
    const sample = samples[name]!;
    const spelling = table[name]!;
    const zeros = padded(sample, spelling);
    expect(zeros).not.toBe(sample);
    const expected = read(name, sample);
    expect(typeof expected, `${name}=${sample} is valid`).toBe('object');
    expect(read(name, zeros), `${name}=${zeros}`).toEqual(expected);
    expect(shortestNumbers(zeros, spelling)).toBe(sample);
  });
});

describe('what the function cannot respell is refused', () => {
  it('a Cloudflare border width with a leading zero (its colour may be hex digits)', () => {
    expect(parseCloudflareOptions('border=color:red;width:010')).toMatchObject({ ok: false, error: { tag: 'invalid_option' } });
    expect(parseCloudflareOptions('border=color:red;top:05')).toMatchObject({ ok: false, error: { tag: 'invalid_option' } });
    expect(parseCloudflareOptions('border=color:red;width:10')).toMatchObject({ ok: true });
    expect(parseCloudflareOptions('border=color:red;width:0')).toMatchObject({ ok: true });
  });

  it('Cloudflare option names are percent-decoded, as the function writes them', () => {
    const parsed = parseCloudflareOptions('%77idth=600,f%69t=cover');
    expect(parsed).toEqual(parseCloudflareOptions('width=600,fit=cover'));
    expect(parseCloudflareOptions('%7width=1')).toMatchObject({ ok: false, error: { tag: 'malformed_url' } });
  });
});

describe('chained steps are bounded, here as at the edge', () => {
  it.each([
    [
      'Cloudinary steps',
      () =>
        parseCloudinary(
          `/image/upload/${Array(MAX_STEPS + 1)
            .fill('w_1')
            .join('/')}/a.jpg`,
          '',
        ),
    ],
    [
      'Cloudinary components',
      () => parseCloudinary(`/image/upload/${Array.from({ length: MAX_STEP_COMPONENTS + 1 }, (_, i) => `w_${i}`).join(',')}/a.jpg`, ''),
    ],
    [
      'ImageKit steps',
      () =>
        parseImageKit(
          `/tr:${Array(MAX_STEPS + 1)
            .fill('w-1')
            .join(':')}/a.jpg`,
          '',
        ),
    ],
    [
      'ImageKit steps in the query',
      () =>
        parseImageKit(
          '/a.jpg',
          `?tr=${Array(MAX_STEPS + 1)
            .fill('w-1')
            .join(':')}`,
        ),
    ],
    ['ImageKit components', () => parseImageKit(`/tr:${Array.from({ length: MAX_STEP_COMPONENTS + 1 }, (_, i) => `w-${i}`).join(',')}/a.jpg`, '')],
  ])('%s past the bound: operation_too_costly', (_name, parse) => {
    expect(parse()).toMatchObject({ ok: false, error: { tag: 'operation_too_costly', status: 400 } });
  });

  it('a chain at the bound is read', () => {
    expect(parseCloudinary(`/image/upload/${Array(MAX_STEPS).fill('w_1').join('/')}/a.jpg`, '')).toMatchObject({ ok: true });
    expect(parseImageKit(`/tr:${Array(MAX_STEPS).fill('w-1').join(':')}/a.jpg`, '')).toMatchObject({ ok: true });
  });
});

describe("dpr: up to 5 in the hosted grammars, 2 in Cloudflare's, the output limits after it", () => {
  const hosted = {
    imgix: (dpr: string, size = 'w=300') => parseImgix('/a.jpg', `?${size}&dpr=${dpr}`),
    Cloudinary: (dpr: string, size = 'w_300') => parseCloudinary(`/image/upload/${size},dpr_${dpr}/a.jpg`, ''),
    ImageKit: (dpr: string, size = 'w-300') => parseImageKit(`/tr:${size},dpr-${dpr}/a.jpg`, ''),
  };

  it.each(Object.entries(hosted))('%s serves dpr 3, 4 and 5 at 3×, 4× and 5×, and more at 5×', (_name, parse) => {
    const width = (dpr: string) => {
      const parsed = parse(dpr);
      if (!parsed?.ok) throw new Error(`dpr ${dpr} refused`);
      const resize = normalise(parsed.value.options).operations.find((op) => op.op === 'resize');
      return resize?.op === 'resize' ? resize.width : undefined;
    };
    expect(['1', '2', '3', '4', '5', '6', '50'].map(width)).toEqual([300, 600, 900, 1200, 1500, 1500, 1500]);
    expect(MAX_HOSTED_DPR).toBe(5);
  });

  it('Cloudflare keeps its cap of 2', () => {
    const parsed = parseCloudflareOptions('width=300,dpr=5');
    expect(parsed).toMatchObject({ ok: true, value: { dpr: 2 } });
  });

  it.each(Object.entries(hosted))('%s: the 12,000 px and pixel-count limits apply to the size after dpr', (_name, parse) => {
    const limits = { maxOutputDimension: DEFAULT_LIMITS.maxOutputDimension, maxOutputPixels: DEFAULT_LIMITS.maxOutputPixels };
    const check = (dpr: string, size?: string) => {
      const parsed = parse(dpr, size);
      if (!parsed?.ok) throw new Error('refused');
      return () => checkOutputLimits(normalise(parsed.value.options), limits);
    };
    expect(check('5', _name === 'imgix' ? 'w=2400' : _name === 'Cloudinary' ? 'w_2400' : 'w-2400')).not.toThrow();
    expect(check('5', _name === 'imgix' ? 'w=2401' : _name === 'Cloudinary' ? 'w_2401' : 'w-2401')).toThrow(/12000 px limit/);
    const box = _name === 'imgix' ? 'w=1200&h=1200&fit=crop' : _name === 'Cloudinary' ? 'w_1200,h_1200,c_fill' : 'w-1200,h-1200';
    expect(check('5', box)).toThrow(/pixel limit/);
  });
});
