import { describe, expect, it } from 'vitest';
import type { ErrorTag, ImageCdnError } from '../../../origin/src/errors.js';
import {
  CLOUDFLARE_ALIASES,
  CLOUDFLARE_OPTION_NAMES,
  formatCloudflareOptions,
  parseCloudflareOptions,
  parseCloudflarePath,
} from '../../../origin/src/grammar/cloudflare.js';
import type { ImageOptions, Rgba } from '../../../origin/src/pipeline/types.js';

function parsed(optionString: string): ImageOptions {
  const result = parseCloudflareOptions(optionString);
  if (!result.ok) throw new Error(`"${optionString}" should parse, got ${result.error.tag}: ${result.error.message}`);
  return result.value;
}

function rejected(optionString: string, tag: ErrorTag): ImageCdnError {
  const result = parseCloudflareOptions(optionString);
  if (result.ok) throw new Error(`"${optionString}" should be refused, got ${JSON.stringify(result.value)}`);
  expect(result.error.tag).toBe(tag);
  expect(result.error.status).toBe(400);
  expect(result.error.message).not.toMatch(/[\r\n]/);
  return result.error;
}

const rgba = (r: number, g: number, b: number, alpha = 1): Rgba => ({ r, g, b, alpha });
const RED = rgba(255, 0, 0);
const BLACK = rgba(0, 0, 0);

interface OptionCases {
  /** [value as written in the URL, the ImageOptions it must give] */
  readonly valid: ReadonlyArray<readonly [string, ImageOptions]>;
  readonly invalid: readonly string[];
}

/** One entry per canonical option; every alias is checked against its long form below. */
const TABLE: Readonly<Record<string, OptionCases>> = {
  width: {
    valid: [
      ['1', { width: 1 }],
      ['600', { width: 600 }],
      ['12000', { width: 12_000 }],
      ['0600', { width: 600 }],
      ['auto', { width: 'auto' }],
    ],
    invalid: ['0', '12001', '-1', '1.5', '6e2', '+6', ' 600', 'AUTO', 'abc', '', '99999999999999999999'],
  },
  height: {
    valid: [
      ['1', { height: 1 }],
      ['250', { height: 250 }],
      ['12000', { height: 12_000 }],
    ],
    invalid: ['0', '12001', 'auto', '2.5', '-250', 'x'],
  },
  fit: {
    valid: (['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze'] as const).map((fit) => [fit, { fit }] as const),
    invalid: ['Cover', 'fill', 'aspect-crop', 'scale-up', 'inside', ''],
  },
  gravity: {
    valid: [
      ['auto', { gravity: { mode: 'auto' } }],
      ['face', { gravity: { mode: 'face' } }],
      ['center', { gravity: { mode: 'point', x: 0.5, y: 0.5 } }],
      ['left', { gravity: { mode: 'side', side: 'left' } }],
      ['right', { gravity: { mode: 'side', side: 'right' } }],
      ['top', { gravity: { mode: 'side', side: 'top' } }],
      ['bottom', { gravity: { mode: 'side', side: 'bottom' } }],
      ['0x1', { gravity: { mode: 'point', x: 0, y: 1 } }],
      ['0.5x0.33', { gravity: { mode: 'point', x: 0.5, y: 0.33 } }],
      ['.25x1.0', { gravity: { mode: 'point', x: 0.25, y: 1 } }],
    ],
    invalid: ['1.1x0', '0x-0.1', 'x', '0.5', '0.5x', 'x0.5', '0.5X0.5', '0.5x0.5x0.5', 'centre', 'entropy', 'Left', '1e-1x0'],
  },
  dpr: {
    valid: [
      ['1', { dpr: 1 }],
      ['1.5', { dpr: 1.5 }],
      ['2', { dpr: 2 }],
      ['0.5', { dpr: 0.5 }],
      // Cloudflare's documented maximum is 2; a 3x srcset entry is served at 2x rather than refused.
      ['3', { dpr: 2 }],
    ],
    invalid: ['0', '0.0', '-1', 'abc', '', '1e1', 'Infinity', 'NaN', '2x'],
  },
  quality: {
    valid: [
      ['1', { quality: 1 }],
      ['85', { quality: 85 }],
      ['100', { quality: 100 }],
      ['high', { quality: 'high' }],
      ['medium-high', { quality: 'medium-high' }],
      ['medium-low', { quality: 'medium-low' }],
      ['low', { quality: 'low' }],
    ],
    invalid: ['0', '101', '85.5', 'best', 'HIGH', 'medium', ''],
  },
  'slow-connection-quality': {
    valid: [
      ['50', { slowConnectionQuality: 50 }],
      ['low', { slowConnectionQuality: 'low' }],
    ],
    invalid: ['0', '101', 'slow', ''],
  },
  format: {
    valid: (['auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json'] as const).map((format) => [format, { format }] as const),
    invalid: ['gif', 'jpg', 'JPEG', 'png-force', 'svg', 'heic', ''],
  },
  metadata: {
    valid: (['copyright', 'keep', 'none'] as const).map((metadata) => [metadata, { metadata }] as const),
    invalid: ['all', 'strip', 'Keep', ''],
  },
  background: {
    valid: [
      ['%23ff0000', { background: RED }],
      ['%23F00', { background: RED }],
      ['%23ff000080', { background: rgba(255, 0, 0, 128 / 255) }],
      ['%23f008', { background: rgba(255, 0, 0, 136 / 255) }],
      ['#00ff00', { background: rgba(0, 255, 0) }],
      ['red', { background: RED }],
      ['RebeccaPurple', { background: rgba(102, 51, 153) }],
      ['transparent', { background: rgba(0, 0, 0, 0) }],
      ['rgb(240,40,145)', { background: rgba(240, 40, 145) }],
      ['rgb%28240%2C40%2C145%29', { background: rgba(240, 40, 145) }],
      ['rgba(255,0,0,0.5)', { background: rgba(255, 0, 0, 128 / 255) }],
      ['rgb(255%20255%200)', { background: rgba(255, 255, 0) }],
      ['rgb(100%25%200%25%200%25%20%2F%2050%25)', { background: rgba(255, 0, 0, 128 / 255) }],
      ['rgb(300,-5,0)', { background: RED }],
      ['hsl(120,100%25,50%25)', { background: rgba(0, 255, 0) }],
      ['hsl(0.5turn%20100%25%2025%25)', { background: rgba(0, 128, 128) }],
      ['hsla(240,100%25,50%25,0)', { background: rgba(0, 0, 255, 0) }],
    ],
    invalid: [
      '%23ff000',
      '%23ff00000',
      '%23gggggg',
      '%23',
      'notacolour',
      'currentcolor',
      'rgb(1,2)',
      'rgb(1,2,3,4,5)',
      'rgb(1%25,2,3)',
      'rgb(1 2 3 4)',
      'hsl(120,100,50)',
      'rgb(1,2,3',
      '',
    ],
  },
  blur: {
    valid: [
      ['1', { blur: 1 }],
      ['50', { blur: 50 }],
      ['2.5', { blur: 2.5 }],
      ['250', { blur: 250 }],
    ],
    invalid: ['0', '0.5', '251', '-1', 'x', ''],
  },
  sharpen: {
    valid: [
      ['0', { sharpen: 0 }],
      ['1', { sharpen: 1 }],
      ['2.5', { sharpen: 2.5 }],
      ['10', { sharpen: 10 }],
    ],
    invalid: ['10.01', '-1', 'max', ''],
  },
  ...Object.fromEntries(
    (['brightness', 'contrast', 'gamma', 'saturation'] as const).map((name) => [
      name,
      {
        valid: [
          ['0', { [name]: 0 }],
          ['0.5', { [name]: 0.5 }],
          ['1', { [name]: 1 }],
          ['2.0', { [name]: 2 }],
          ['10', { [name]: 10 }],
        ],
        invalid: ['10.5', '-0.5', 'a', '1%2C5', ''],
      } satisfies OptionCases,
    ]),
  ),
  rotate: {
    valid: [
      ['0', { rotate: 0 }],
      ['90', { rotate: 90 }],
      ['180', { rotate: 180 }],
      ['270', { rotate: 270 }],
    ],
    invalid: ['45', '360', '-90', '90.0', 'left', ''],
  },
  flip: {
    valid: (['h', 'v', 'hv'] as const).map((flip) => [flip, { flip }] as const),
    invalid: ['vh', 'H', 'x', 'both', ''],
  },
  anim: {
    valid: [
      ['true', { anim: true }],
      ['false', { anim: false }],
    ],
    invalid: ['TRUE', '1', '0', 'yes', ''],
  },
  compression: { valid: [['fast', { compression: 'fast' }]], invalid: ['slow', 'Fast', ''] },
  onerror: { valid: [['redirect', { onerror: 'redirect' }]], invalid: ['none', 'fallback', ''] },
  variant: {
    valid: [
      ['thumb', { variant: 'thumb' }],
      ['hero_2x-wide', { variant: 'hero_2x-wide' }],
      ['a'.repeat(64), { variant: 'a'.repeat(64) }],
    ],
    invalid: ['Thumb', 'a b', 'a.b', '', 'ü'],
  },
  border: {
    valid: [
      ['color:%23000;width:10', { border: { color: BLACK, width: 10 } }],
      ['width:2;color:red', { border: { color: RED, width: 2 } }],
      ['color:%23fff;width:0', { border: { color: rgba(255, 255, 255), width: 0 } }],
      ['color:red;top:5;right:10;bottom:5;left:10', { border: { color: RED, edges: { top: 5, right: 10, bottom: 5, left: 10 } } }],
      ['color:rgb(0,0,0);left:3', { border: { color: BLACK, edges: { top: 0, right: 0, bottom: 0, left: 3 } } }],
    ],
    invalid: [
      'width:10',
      'color:red',
      'color:red;width:10;top:1',
      'color:red;width:1001',
      'color:red;width:-1',
      'color:red;width:1.5',
      'color:red;depth:1',
      'color:red;width:1;width:2',
      'color:nope;width:1',
      'color:red;width:1;',
      'red;10',
      '',
    ],
  },
  trim: {
    valid: [
      ['border', { trim: { mode: 'border' } }],
      ['20;30;20;0', { trim: { mode: 'edges', edges: { top: 20, right: 30, bottom: 20, left: 0 } } }],
      ['0;0;0;65535', { trim: { mode: 'edges', edges: { top: 0, right: 0, bottom: 0, left: 65_535 } } }],
    ],
    invalid: ['20;30;20', '1;2;3;4;5', 'a;b;c;d', '-1;0;0;0', '1.5;0;0;0', '0;0;0;65536', 'auto', 'Border', ''],
  },
  'trim.width': {
    valid: [['678', { trim: { mode: 'rect', left: 0, top: 0, width: 678 } }]],
    invalid: ['0', '-1', '65536', 'x', ''],
  },
  'trim.height': {
    valid: [['678', { trim: { mode: 'rect', left: 0, top: 0, height: 678 } }]],
    invalid: ['0', '1.5', ''],
  },
  'trim.left': {
    valid: [
      ['30', { trim: { mode: 'rect', left: 30, top: 0 } }],
      ['0', { trim: { mode: 'rect', left: 0, top: 0 } }],
    ],
    invalid: ['-30', 'x', ''],
  },
  'trim.top': {
    valid: [['40', { trim: { mode: 'rect', left: 0, top: 40 } }]],
    invalid: ['-40', '65536', ''],
  },
  'trim.border.color': {
    valid: [['%23ffffff', { trim: { mode: 'border', color: rgba(255, 255, 255) } }]],
    invalid: ['nope', ''],
  },
  'trim.border.tolerance': {
    valid: [
      ['10', { trim: { mode: 'border', tolerance: 10 } }],
      ['0.5', { trim: { mode: 'border', tolerance: 0.5 } }],
    ],
    invalid: ['256', '-1', 'x', ''],
  },
  'trim.border.keep': {
    valid: [['5', { trim: { mode: 'border', keep: 5 } }]],
    invalid: ['-5', '2.5', ''],
  },
};

describe('parseCloudflareOptions: one table per option', () => {
  it('refuses a variant name over 64 characters', () => {
    rejected(`variant=${'a'.repeat(65)}`, 'invalid_option');
  });

  it('covers every option the grammar accepts', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CLOUDFLARE_OPTION_NAMES]);
  });

  for (const [name, cases] of Object.entries(TABLE)) {
    describe(name, () => {
      it.each(cases.valid.map(([value, expected]) => ({ value, expected })))(`${name}=$value`, ({ value, expected }) => {
        expect(parsed(`${name}=${value}`)).toStrictEqual(expected);
      });

      it.each(cases.invalid.map((value) => ({ value })))(`refuses ${name}=$value`, ({ value }) => {
        const error = rejected(`${name}=${value}`, 'invalid_option');
        expect(error.message).toContain(`option "${name}"`);
        expect(error.message).toContain(`"${decodeURIComponent(value)}"`);
        expect(error.message).toMatch(/expected \S/);
      });
    });
  }
});

describe('aliases', () => {
  it('are exactly the ones Cloudflare documents', () => {
    expect(CLOUDFLARE_ALIASES).toEqual({
      w: 'width',
      h: 'height',
      q: 'quality',
      f: 'format',
      g: 'gravity',
      scq: 'slow-connection-quality',
    });
  });

  for (const [alias, name] of Object.entries(CLOUDFLARE_ALIASES)) {
    const cases = TABLE[name];
    if (!cases) throw new Error(`no table for ${name}`);
    it(`${alias} means ${name}`, () => {
      for (const [value] of cases.valid) {
        expect(parsed(`${alias}=${value}`)).toStrictEqual(parsed(`${name}=${value}`));
      }
    });
    it(`${alias} names itself when its value is refused`, () => {
      const error = rejected(`${alias}=${cases.invalid[0]}`, 'invalid_option');
      expect(error.message).toContain(`option "${alias}"`);
    });
  }
});

describe('option list structure', () => {
  it('combines options in any order', () => {
    expect(parsed('width=600,height=400,fit=cover,gravity=0.5x0.2,q=80,f=auto')).toStrictEqual({
      width: 600,
      height: 400,
      fit: 'cover',
      gravity: { mode: 'point', x: 0.5, y: 0.2 },
      quality: 80,
      format: 'auto',
    });
    expect(parsed('f=auto,q=80,gravity=0.5x0.2,fit=cover,h=400,w=600')).toStrictEqual(parsed('width=600,height=400,fit=cover,gravity=0.5x0.2,q=80,f=auto'));
  });

  it.each([
    ['width=1,width=2', 'width'],
    ['w=1,width=2', 'width'],
    ['width=1,w=2', 'width'],
    ['q=80,quality=80', 'quality'],
    ['scq=10,slow-connection-quality=10', 'slow-connection-quality'],
    ['fit=cover,blur=5,fit=cover', 'fit'],
    ['trim.width=1,trim.width=2', 'trim.width'],
  ])('refuses the repeated option in %s', (options, name) => {
    const error = rejected(options, 'malformed_url');
    expect(error.message).toContain(`option "${name}" is given more than once`);
  });

  it.each(['foo', 'Width', 'W', 'zoom', 'face-zoom', 'segment', 'upscale', 'draw', 'constructor', '__proto__', 'toString', 'trim.right'])(
    'refuses the unknown option %s and lists what is accepted',
    (name) => {
      const error = rejected(`${name}=1`, 'unknown_option');
      expect(error.message).toContain(`unknown option "${name}"`);
      for (const accepted of ['width', 'height', 'trim.border.color', 'slow-connection-quality', 'w=width']) {
        expect(error.message).toContain(accepted);
      }
    },
  );

  it.each([
    ['', 'no options'],
    ['width', '"width" is not an option'],
    ['photos', '"photos" is not an option'],
    ['width=1,', 'empty option'],
    [',width=1', 'empty option'],
    ['width=1,,fit=cover', 'empty option'],
    ['=1', 'has no name'],
    ['background=%zz', 'invalid percent-encoding'],
    ['background=%E9', 'invalid percent-encoding'],
  ])('refuses the malformed option list "%s"', (options, fragment) => {
    expect(rejected(options, 'malformed_url').message).toContain(fragment);
  });

  it('reports the first problem from the left', () => {
    expect(rejected('foo=1,width=0', 'unknown_option').message).toContain('"foo"');
    expect(rejected('width=0,foo=1', 'invalid_option').message).toContain('"width"');
  });

  it('keeps messages on one line and short, whatever the URL holds', () => {
    const error = rejected(`fo\no${'x'.repeat(500)}=1`, 'unknown_option');
    expect(error.message).toContain('fo\\u000ao');
    expect(error.message.length).toBeLessThan(800);
    const invalid = rejected(`width=${'9'.repeat(500)}%0D%0A`, 'invalid_option');
    expect(invalid.message).not.toContain('9'.repeat(100));
  });

  it('splits on commas outside parentheses only', () => {
    expect(parsed('background=rgba(0,0,0,0.5),width=10')).toStrictEqual({
      background: rgba(0, 0, 0, 128 / 255),
      width: 10,
    });
  });
});

describe('trim family', () => {
  it('combines trim.left/top/width/height into one rectangle', () => {
    expect(parsed('trim.width=678,trim.height=600,trim.left=30,trim.top=40')).toStrictEqual({
      trim: { mode: 'rect', left: 30, top: 40, width: 678, height: 600 },
    });
  });

  it('combines trim=border with its colour, tolerance and keep', () => {
    expect(parsed('trim.border.keep=2,trim=border,trim.border.color=red,trim.border.tolerance=12.5')).toStrictEqual({
      trim: { mode: 'border', color: RED, tolerance: 12.5, keep: 2 },
    });
  });

  it.each([
    ['trim=1;2;3;4,trim.width=5', 'trim.width', 'trim=1;2;3;4'],
    ['trim.left=1,trim=border', 'trim', 'trim.left=1'],
    ['trim.border.color=red,trim.top=1', 'trim.top', 'trim.border.color=red'],
    ['trim=20;30;20;0,trim.border.keep=1', 'trim.border.keep', 'trim=20;30;20;0'],
  ])('refuses two kinds of trim at once: %s', (options, offending, earlier) => {
    const error = rejected(options, 'invalid_option');
    expect(error.message).toContain(`option "${offending}"`);
    expect(error.message).toContain(`cannot be combined with ${earlier}`);
  });
});

describe('formatCloudflareOptions', () => {
  it('writes long names in alphabetical order with canonical values', () => {
    const options = parsed('w=600,q=80,fit=cover,f=auto,g=left,dpr=1.50,background=RED,scq=low');
    expect(formatCloudflareOptions(options)).toBe(
      'background=%23ff0000,dpr=1.5,fit=cover,format=auto,gravity=left,quality=80,slow-connection-quality=low,width=600',
    );
  });

  it.each([
    ['background=rgba(0,0,0,0.5)', 'background=%2300000080'],
    ['background=transparent', 'background=%2300000000'],
    ['gravity=.5x1.0', 'gravity=0.5x1'],
    ['gravity=0.0000001x0', 'gravity=0.0000001x0'],
    ['gravity=center', 'gravity=0.5x0.5'],
    ['blur=050', 'blur=50'],
    ['trim.top=2,trim.width=5', 'trim.left=0,trim.top=2,trim.width=5'],
    ['trim.border.color=%23FFF,trim.border.tolerance=3', 'trim=border,trim.border.color=%23ffffff,trim.border.tolerance=3'],
    ['trim=1;2;3;4', 'trim=1;2;3;4'],
    ['border=width:1;color:red', 'border=color:%23ff0000;width:1'],
    ['border=color:red;left:3', 'border=color:%23ff0000;top:0;right:0;bottom:0;left:3'],
    ['rotate=0,anim=false,compression=fast,onerror=redirect,flip=hv', 'anim=false,compression=fast,flip=hv,onerror=redirect,rotate=0'],
  ])('%s is written %s', (input, canonical) => {
    expect(formatCloudflareOptions(parsed(input))).toBe(canonical);
    expect(parsed(canonical)).toStrictEqual(parsed(input));
  });

  it('round-trips every valid value in the option tables', () => {
    for (const cases of Object.values(TABLE)) {
      for (const [, expected] of cases.valid) {
        expect(parsed(formatCloudflareOptions(expected))).toStrictEqual(expected);
      }
    }
  });

  it('round-trips a request that uses every option at once', () => {
    const everything = parsed(
      [
        'anim=false',
        'background=%2300ff0080',
        'blur=3.5',
        'border=color:red;top:1;right:2;bottom:3;left:4',
        'brightness=1.1',
        'compression=fast',
        'contrast=0.9',
        'dpr=1.5',
        'fit=pad',
        'flip=v',
        'format=webp',
        'gamma=2',
        'gravity=0.1x0.9',
        'height=300',
        'metadata=keep',
        'onerror=redirect',
        'quality=medium-high',
        'rotate=270',
        'saturation=0',
        'sharpen=1',
        'slow-connection-quality=40',
        'trim=border',
        'trim.border.keep=1',
        'width=auto',
      ].join(','),
    );
    expect(Object.keys(everything)).toHaveLength(23);
    const canonical = formatCloudflareOptions(everything);
    expect(parsed(canonical)).toStrictEqual(everything);
    expect(formatCloudflareOptions(parsed(canonical))).toBe(canonical);
  });
});

describe('parseCloudflarePath', () => {
  const source = (rest: string): string => {
    const result = parseCloudflarePath(rest);
    if (!result.ok) throw new Error(`"${rest}" should parse, got ${result.error.tag}: ${result.error.message}`);
    expect(result.value.grammar).toBe('cloudflare');
    return result.value.source;
  };

  it('returns the options and the source path', () => {
    expect(parseCloudflarePath('width=80,quality=75/uploads/avatar1.jpg')).toStrictEqual({
      ok: true,
      value: { grammar: 'cloudflare', source: 'uploads/avatar1.jpg', options: { width: 80, quality: 75 } },
    });
  });

  it.each([
    ['width=600/photo.jpg', 'photo.jpg'],
    ['width=600//photo.jpg', 'photo.jpg'],
    ['w=1/a%20b.jpg', 'a b.jpg'],
    ['w=1/caf%C3%A9.jpg', 'café.jpg'],
    ['w=1/dir%2Fphoto.jpg', 'dir/photo.jpg'],
    ['w=1/100%25.jpg', '100%.jpg'],
    ['background=%23fff/x/y.png', 'x/y.png'],
  ])('%s has source %s', (rest, expected) => {
    expect(source(rest)).toBe(expected);
  });

  it.each([
    ['w=1/https://s3.example.com/bucket/image.png', 'https://s3.example.com/bucket/image.png'],
    ['w=1/http://example.com/a.jpg', 'http://example.com/a.jpg'],
    ['w=1/https:/example.com/a.jpg', 'https://example.com/a.jpg'],
    ['w=1/HTTPS://Example.COM/a.jpg', 'https://example.com/a.jpg'],
    ['w=1/https://example.com/a%20b.jpg', 'https://example.com/a%20b.jpg'],
    ['w=1/https%3A%2F%2Fexample.com%2Fa.jpg', 'https://example.com/a.jpg'],
    ['w=1/https:%2F%2Fexample.com:8443/a.jpg', 'https://example.com:8443/a.jpg'],
  ])('keeps the absolute source in %s as %s', (rest, expected) => {
    expect(source(rest)).toBe(expected);
  });

  it.each([
    ['w=1', 'no source image'],
    ['w=1/', 'no source image'],
    ['w=1///', 'no source image'],
    ['/photo.jpg', 'no options'],
    ['w=1/a%00b.jpg', 'NUL'],
    ['w=1/%00', 'NUL'],
    ['w=1/https://example.com/%00', 'NUL'],
    ['w=1/a%zz.jpg', 'invalid percent-encoding'],
    ['w=1/a%E9.jpg', 'invalid percent-encoding'],
    ['w=1/a%', 'invalid percent-encoding'],
    ['w=1/https://', 'not a valid absolute'],
    ['w=1/http:/', 'not a valid absolute'],
  ])('refuses %s', (rest, fragment) => {
    const result = parseCloudflarePath(rest);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.tag).toBe('malformed_url');
    expect(result.error.message).toContain(fragment);
  });

  it('reports option errors before looking at the source', () => {
    const result = parseCloudflarePath('foo=1/a%zz');
    expect(!result.ok && result.error.tag).toBe('unknown_option');
    const invalid = parseCloudflarePath('width=0/photo.jpg');
    expect(!invalid.ok && invalid.error.tag).toBe('invalid_option');
  });
});
