import { describe, expect, it } from 'vitest';
import { parseCloudflarePath } from '../../../origin/src/grammar/cloudflare.js';
import { parseCloudinary } from '../../../origin/src/grammar/cloudinary.js';
import { parseImageKit } from '../../../origin/src/grammar/imagekit.js';
import { parseImgix } from '../../../origin/src/grammar/imgix.js';
import { fingerprint } from '../../../origin/src/pipeline/fingerprint.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { ImageRequest } from '../../../origin/src/pipeline/types.js';
import { parseVariants, resolveVariant } from '../../../origin/src/pipeline/variants.js';
import { ENCODER_ID } from '../../../origin/src/transform/encoder-settings.js';

/**
 * The same transform written in every grammar must give deep-equal ImageOptions and the same
 * source, hence the same normalised pipeline, fingerprint and ETag.
 */

const SOURCE = 'photos/a.jpg';

interface Spellings {
  readonly cloudflare?: string;
  readonly imgix?: string;
  readonly cloudinary?: string;
  readonly imagekit?: string;
}

function parseAll(spellings: Spellings): Record<string, ImageRequest> {
  const attempts = {
    cloudflare: spellings.cloudflare && parseCloudflarePath(`${spellings.cloudflare}/${SOURCE}`),
    imgix: spellings.imgix && parseImgix(`/${SOURCE}`, `?${spellings.imgix}`),
    cloudinary: spellings.cloudinary && parseCloudinary(`/demo/image/upload/${spellings.cloudinary}/v1700000000/${SOURCE}`, ''),
    imagekit: spellings.imagekit && parseImageKit(`/demo/tr:${spellings.imagekit}/${SOURCE}`, '', { endpoint: '/demo/' }),
  };
  const parsed: Record<string, ImageRequest> = {};
  for (const [grammar, result] of Object.entries(attempts)) {
    if (!result) continue;
    if (!result.ok) throw new Error(`${grammar}: ${result.error.message}`);
    parsed[grammar] = result.value;
  }
  return parsed;
}

const CASES: [string, Spellings][] = [
  [
    'cover crop on faces, negotiated format, quality',
    {
      cloudflare: 'width=600,height=400,fit=cover,gravity=face,format=auto,quality=70',
      imgix: 'w=600&h=400&fit=crop&crop=faces&auto=format&q=70',
      cloudinary: 'w_600,h_400,c_fill,g_face,f_auto,q_70',
      imagekit: 'w-600,h-400,c-maintain_ratio,fo-face,f-auto,q-70',
    },
  ],
  [
    'fit inside (enlarging) after a quarter turn, WebP',
    {
      cloudflare: 'width=300,fit=contain,rotate=90,format=webp',
      imgix: 'w=300&orient=90&fm=webp',
      cloudinary: 'a_90/w_300,c_scale,f_webp',
      imagekit: 'rt-90:w-300,f-webp',
    },
  ],
  [
    'shrink only, blur and sharpen',
    {
      cloudflare: 'width=200,height=200,fit=scale-down,blur=10,sharpen=2',
      imgix: 'w=200&h=200&fit=max&blur=80&sharp=20',
      cloudinary: 'w_200,h_200,c_limit,e_blur:80/e_sharpen:400',
      imagekit: 'w-200,h-200,c-at_max,bl-4,e-sharpen-2',
    },
  ],
  [
    'pad on a red background at 2x',
    {
      cloudflare: 'width=400,height=300,fit=pad,background=%23ff0000,dpr=2',
      imgix: 'w=400&h=300&fit=fill&bg=ff0000&dpr=2',
      cloudinary: 'w_400,h_300,c_pad,b_rgb:ff0000,dpr_2.0',
      imagekit: 'w-400,h-300,cm-pad_resize,bg-FF0000,dpr-2',
    },
  ],
  [
    'squeeze, mirrored, greyscale',
    {
      cloudflare: 'width=500,height=500,fit=squeeze,flip=h,saturation=0',
      imgix: 'w=500&h=500&fit=scale&flip=h&sat=-100',
      cloudinary: 'w_500,h_500,c_scale,a_hflip,e_grayscale',
      imagekit: 'w-500,h-500,c-force,fl-h,e-grayscale',
    },
  ],
  [
    'cover anchored top left, vertical flip, PNG',
    {
      cloudflare: 'width=100,height=100,fit=cover,gravity=0x0,flip=v,format=png',
      imgix: 'w=100&h=100&fit=crop&crop=top,left&flip=v&fm=png',
      cloudinary: 'w_100,h_100,c_fill,g_north_west,a_vflip,f_png',
      imagekit: 'w-100,h-100,fo-top_left,fl-v,f-png',
    },
  ],
  [
    'cover anchored on a side, baseline JPEG',
    {
      cloudflare: 'width=320,height=240,fit=cover,gravity=top,format=baseline-jpeg',
      imgix: 'w=320&h=240&fit=crop&crop=top&fm=jpg',
      cloudinary: 'w_320,h_240,c_fill,g_north,f_jpg',
      imagekit: 'w-320,h-240,fo-top,f-jpg',
    },
  ],
  [
    'crop rectangle, then cover',
    {
      cloudflare: 'trim.left=10,trim.top=20,trim.width=300,trim.height=200,width=150,height=150,fit=cover',
      imgix: 'rect=10,20,300,200&w=150&h=150&fit=crop',
      cloudinary: 'c_crop,x_10,y_20,w_300,h_200/w_150,h_150,c_fill',
      imagekit: 'w-300,h-200,cm-extract,x-10,y-20:w-150,h-150',
    },
  ],
  [
    'shrink-and-crop without enlarging, progressive JPEG',
    {
      cloudflare: 'width=800,height=450,fit=crop,format=jpeg',
      imgix: 'w=800&h=450&fit=min&fm=pjpg',
      cloudinary: 'w_800,h_450,c_lfill,f_jpg,fl_progressive',
    },
  ],
  [
    'width from client hints',
    {
      cloudflare: 'width=auto,fit=contain',
      cloudinary: 'w_auto,c_scale',
      imagekit: 'w-auto,c-maintain_ratio',
    },
  ],
  [
    'perceptual quality preset',
    {
      cloudflare: 'width=640,fit=scale-down,quality=high',
      cloudinary: 'w_640,c_limit,q_auto:best',
    },
  ],
  [
    'colour adjustments',
    {
      cloudflare: 'brightness=1.2,contrast=0.8,gamma=1.5,saturation=0.5',
      imgix: 'bri=20&con=-20&gam=50&sat=-50',
      cloudinary: 'e_brightness:20/e_contrast:-20/e_gamma:50/e_saturation:-50',
    },
  ],
  [
    'border',
    {
      cloudflare: 'border=color:%23000000;width:4',
      cloudinary: 'bo_4px_solid_black',
      imagekit: 'b-4_000000',
    },
  ],
];

describe('the same transform in every grammar', () => {
  it.each(CASES)('%s', (_, spellings) => {
    const parsed = parseAll(spellings);
    const [reference, ...others] = Object.entries(parsed);
    if (!reference) throw new Error('no spellings');
    expect(reference[1].source).toBe(SOURCE);
    for (const [grammar, request] of others) {
      expect({ grammar, source: request.source, options: request.options }).toEqual({
        grammar,
        source: reference[1].source,
        options: reference[1].options,
      });
      expect(fingerprint(normalise(request.options), ENCODER_ID)).toBe(fingerprint(normalise(reference[1].options), ENCODER_ID));
    }
  });

  it('distinguishes transforms that differ (the comparison is not vacuous)', () => {
    const a = parseAll({ imgix: 'w=300&fit=crop&h=300', cloudinary: 'w_300,h_300,c_fit' });
    expect(a['imgix']?.options).not.toEqual(a['cloudinary']?.options);
    expect(fingerprint(normalise(a['imgix']?.options ?? {}), ENCODER_ID)).not.toBe(fingerprint(normalise(a['cloudinary']?.options ?? {}), ENCODER_ID));
  });
});

describe('a variant named from any grammar', () => {
  const table = parseVariants({ thumb: 'width=120,height=120,fit=cover,gravity=face' });
  if (!table.ok) throw table.error;

  it('expands to the options (and fingerprint) of the same ad-hoc transform, with format=auto', () => {
    const adHoc = parseCloudflarePath(`width=120,height=120,fit=cover,gravity=face,format=auto/${SOURCE}`);
    if (!adHoc.ok) throw adHoc.error;
    const named = parseAll({ imgix: 'variant=thumb&auto=format', cloudinary: 't_thumb,f_auto', imagekit: 'n-thumb,f-auto' });
    expect(Object.keys(named)).toHaveLength(3);
    for (const request of Object.values(named)) {
      expect(request.source).toBe(SOURCE);
      const resolved = resolveVariant(request.options, table.value);
      expect(resolved).toEqual({ ok: true, value: adHoc.value.options });
      if (resolved.ok) expect(fingerprint(normalise(resolved.value), ENCODER_ID)).toBe(fingerprint(normalise(adHoc.value.options), ENCODER_ID));
    }
  });
});
