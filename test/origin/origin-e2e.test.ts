import { copyFileSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { CORPUS, hasCorpus, magic, SAMPLES, startTestOrigin, tempDir } from '../support/origin.js';

/** A 200×100 image in four colour quadrants: TL red, TR green, BL blue, BR yellow. */
async function quadrants(): Promise<Buffer> {
  const q = (r: number, g: number, b: number) =>
    sharp({ create: { width: 100, height: 50, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
  const [tl, tr, bl, br] = await Promise.all([q(255, 0, 0), q(0, 255, 0), q(0, 0, 255), q(255, 255, 0)]);
  return sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
    .composite([
      { input: tl, left: 0, top: 0 },
      { input: tr, left: 100, top: 0 },
      { input: bl, left: 0, top: 50 },
      { input: br, left: 100, top: 50 },
    ])
    .png()
    .toBuffer();
}

async function pixel(bytes: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

const near = (actual: number[], expected: number[], tolerance = 40) => actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);

let origin: OriginServer;
const root = tempDir();

async function get(pathAndQuery: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${origin.url}${pathAndQuery}`, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

async function dims(pathAndQuery: string): Promise<[number, number]> {
  const { response, body } = await get(pathAndQuery);
  expect(response.status, `${pathAndQuery}: ${body.toString().slice(0, 200)}`).toBe(200);
  const meta = await sharp(body).metadata();
  return [meta.width, meta.height];
}

beforeAll(async () => {
  for (const name of ['fossa.jpg', 'kleiber.jpg', 'oriented-6.jpg', 'alpha.png', 'animated.gif']) {
    copyFileSync(path.join(SAMPLES, name), path.join(root.dir, name));
  }
  writeFileSync(path.join(root.dir, 'quadrants.png'), await quadrants());
  // A 60×40 red block inside a 20 px white frame.
  await sharp({ create: { width: 100, height: 80, channels: 3, background: '#fff' } })
    .composite([
      {
        input: await sharp({ create: { width: 60, height: 40, channels: 3, background: '#f00' } })
          .png()
          .toBuffer(),
        left: 20,
        top: 20,
      },
    ])
    .png()
    .toFile(path.join(root.dir, 'framed.png'));
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
    .withExif({ IFD0: { Copyright: 'Example Photo Co', Artist: 'A. Photographer', Software: 'test' }, IFD3: { GPSLatitudeRef: 'N' } })
    .jpeg()
    .toFile(path.join(root.dir, 'exif.jpg'));
  writeFileSync(path.join(root.dir, 'not-an-image.jpg'), 'this is text, not pixels');
  mkdirSync(path.join(root.dir, 'nested dir'));
  copyFileSync(path.join(SAMPLES, 'fossa.jpg'), path.join(root.dir, 'nested dir', 'photo 1.jpg'));
  writeFileSync(path.join(path.dirname(root.dir), 'outside-secret.jpg'), 'TOP-SECRET-CONTENT');
  symlinkSync(path.join(path.dirname(root.dir), 'outside-secret.jpg'), path.join(root.dir, 'escape.jpg'));
  origin = await startTestOrigin({}, root.dir);
});

afterAll(async () => {
  await origin?.close();
  root.remove();
});

describe('fit modes (fossa.jpg is 1600×900)', () => {
  const cases: Array<[string, [number, number]]> = [
    ['width=600', [600, 338]],
    ['width=600,dpr=2', [1200, 675]],
    ['width=3200', [1600, 900]], // scale-down never enlarges
    ['width=400,height=400,fit=scale-down', [400, 225]],
    ['width=400,height=400,fit=contain', [400, 225]],
    ['width=3200,fit=contain', [3200, 1800]],
    ['width=400,height=400,fit=cover', [400, 400]],
    ['width=300,height=200,fit=cover,dpr=2', [600, 400]],
    ['width=400,height=400,fit=crop', [400, 400]],
    ['width=2000,height=500,fit=crop', [1600, 500]],
    ['width=400,height=400,fit=pad', [400, 400]],
    ['width=400,height=400,fit=pad,dpr=1.5', [600, 600]],
    ['width=400,height=400,fit=squeeze', [400, 400]],
    ['height=300', [533, 300]],
  ];
  it.each(cases)('%s → %j', async (options, expected) => {
    expect(await dims(`/cdn-cgi/image/${options}/fossa.jpg`)).toEqual(expected);
  });
});

describe('output formats by magic bytes', () => {
  it.each([
    ['format=jpeg', 'jpeg', 'image/jpeg'],
    ['format=baseline-jpeg', 'jpeg', 'image/jpeg'],
    ['format=png', 'png', 'image/png'],
    ['format=webp', 'webp', 'image/webp'],
    ['format=avif', 'avif', 'image/avif'],
  ])('%s', async (option, format, contentType) => {
    const { response, body } = await get(`/cdn-cgi/image/width=200,${option}/kleiber.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    expect(magic(body)).toBe(format);
  });

  it('jpeg is progressive and baseline-jpeg is not', async () => {
    const progressive = await sharp((await get('/cdn-cgi/image/width=200,format=jpeg/kleiber.jpg')).body).metadata();
    const baseline = await sharp((await get('/cdn-cgi/image/width=200,format=baseline-jpeg/kleiber.jpg')).body).metadata();
    expect(progressive.isProgressive).toBe(true);
    expect(baseline.isProgressive).toBe(false);
  });

  it('keeps the source format without a format option, and alpha in PNG', async () => {
    const { body } = await get('/cdn-cgi/image/width=200/alpha.png');
    expect(magic(body)).toBe('png');
    expect((await sharp(body).metadata()).hasAlpha).toBe(true);
  });

  it('format=json describes output and original', async () => {
    const { response, body } = await get('/cdn-cgi/image/width=400,format=json/fossa.jpg');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(body.toString())).toEqual({
      width: 400,
      height: 225,
      original: { file_size: expect.any(Number), width: 1600, height: 900, format: 'image/jpeg' },
    });
  });

  it('keeps GIF animation, and drops it with anim=false', async () => {
    const animated = await sharp((await get('/cdn-cgi/image/width=80,format=webp/animated.gif')).body, { animated: true }).metadata();
    expect(animated.pages).toBe(3);
    expect(animated.width).toBe(80);
    const still = await sharp((await get('/cdn-cgi/image/width=80,format=webp,anim=false/animated.gif')).body, { animated: true }).metadata();
    expect(still.pages ?? 1).toBe(1);
    const gif = await sharp((await get('/cdn-cgi/image/width=80/animated.gif')).body, { animated: true }).metadata();
    expect(gif.format).toBe('gif');
    expect(gif.pages).toBe(3);
  });
});

describe('geometry and colour, checked on pixels', () => {
  it('honours EXIF orientation (stored 337×600, displayed 600×337)', async () => {
    expect(await dims('/cdn-cgi/image/width=300/oriented-6.jpg')).toEqual([300, 169]);
  });

  it('flip=h mirrors left and right', async () => {
    const { body } = await get('/cdn-cgi/image/flip=h,format=png/quadrants.png');
    expect(near(await pixel(body, 10, 10), [0, 255, 0])).toBe(true); // TL is now green
    expect(near(await pixel(body, 190, 90), [0, 0, 255])).toBe(true); // BR is now blue
  });

  it('flip=v mirrors top and bottom', async () => {
    const { body } = await get('/cdn-cgi/image/flip=v,format=png/quadrants.png');
    expect(near(await pixel(body, 10, 10), [0, 0, 255])).toBe(true);
  });

  it('rotate=90 turns clockwise and width refers to the rotated axes', async () => {
    const { body } = await get('/cdn-cgi/image/rotate=90,width=50,format=png/quadrants.png');
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height]).toEqual([50, 100]);
    expect(near(await pixel(body, 5, 5), [0, 0, 255])).toBe(true); // blue (BL) comes to the top-left
    expect(near(await pixel(body, 45, 5), [255, 0, 0])).toBe(true); // red (TL) to the top-right
  });

  it('fit=pad fills with the background colour', async () => {
    const { body } = await get('/cdn-cgi/image/width=200,height=200,fit=pad,background=%23ff00ff,format=png/quadrants.png');
    expect(near(await pixel(body, 100, 10), [255, 0, 255])).toBe(true);
    expect(near(await pixel(body, 10, 60), [255, 0, 0])).toBe(true);
  });

  it('fit=cover with gravity=left keeps the left edge', async () => {
    const { body } = await get('/cdn-cgi/image/width=50,height=100,fit=cover,gravity=left,format=png/quadrants.png');
    expect(near(await pixel(body, 25, 10), [255, 0, 0])).toBe(true);
    const right = (await get('/cdn-cgi/image/width=50,height=100,fit=cover,gravity=right,format=png/quadrants.png')).body;
    expect(near(await pixel(right, 25, 10), [0, 255, 0])).toBe(true);
  });

  it('background fills transparency when the output has no alpha', async () => {
    const { body } = await get('/cdn-cgi/image/format=jpeg,background=%2300ff00/alpha.png');
    expect(near(await pixel(body, 5, 5), [0, 255, 0])).toBe(true);
    expect(near(await pixel(body, 200, 150), [224, 16, 16])).toBe(true);
  });

  it('trim=border removes a uniform frame, and trim.border.keep puts some back', async () => {
    expect(await dims('/cdn-cgi/image/trim=border,format=png/framed.png')).toEqual([60, 40]);
    expect(await dims('/cdn-cgi/image/trim=border,trim.border.keep=5,format=png/framed.png')).toEqual([70, 50]);
  });

  it('ignores brightness=0 like Cloudflare, but saturation=0 is greyscale', async () => {
    const dark = (await get('/cdn-cgi/image/brightness=0,format=png/quadrants.png')).body;
    expect(near(await pixel(dark, 10, 10), [255, 0, 0])).toBe(true);
    const grey = await pixel((await get('/cdn-cgi/image/saturation=0,format=png/quadrants.png')).body, 10, 10);
    expect(grey[0]).toBe(grey[1]);
    expect(grey[1]).toBe(grey[2]);
  });

  it('width=auto follows the Sec-CH-Width hint and varies on it', async () => {
    const hinted = await get('/cdn-cgi/image/width=auto/fossa.jpg', { 'sec-ch-width': '320' });
    expect((await sharp(hinted.body).metadata()).width).toBe(320);
    expect(hinted.response.headers.get('vary')).toBe('Sec-CH-Width, Width');
    const plain = await get('/cdn-cgi/image/width=auto/fossa.jpg');
    expect((await sharp(plain.body).metadata()).width).toBe(1600);
  });

  it.each([
    ['fit=cover', 'width=180,height=80,fit=cover'],
    ['fit=crop', 'width=180,height=80,fit=crop'],
    ['fit=cover with attention', 'width=180,height=80,fit=cover,gravity=auto'],
    ['fit=pad', 'width=180,height=80,fit=pad'],
    ['fit=contain', 'width=180,height=80,fit=contain'],
  ])('a border goes around the final frame (%s)', async (_name, options) => {
    for (const [source, contained] of [
      ['quadrants.png', [160, 80]],
      ['fossa.jpg', [142, 80]],
    ] as const) {
      const { body } = await get(`/cdn-cgi/image/${options},border=color:%2300ff00;width:10,format=png/${source}`);
      const meta = await sharp(body).metadata();
      const inner = options.includes('contain') ? contained : [180, 80];
      expect([meta.width, meta.height], source).toEqual([inner[0] + 20, inner[1] + 20]);
      expect(near(await pixel(body, 2, 2), [0, 255, 0]), source).toBe(true);
    }
  });

  it('trim removes edges in source pixels', async () => {
    expect(await dims('/cdn-cgi/image/trim=10;20;30;40,format=png/quadrants.png')).toEqual([140, 60]);
  });
});

describe('metadata policy', () => {
  const exifOf = async (options: string) => {
    const meta = await sharp((await get(`/cdn-cgi/image/${options}/exif.jpg`)).body).metadata();
    return meta.exif ? exifReader(meta.exif) : undefined;
  };
  it('copyright (default) keeps only the copyright and artist', async () => {
    const exif = await exifOf('width=32');
    expect(exif?.Image?.Copyright).toBe('Example Photo Co');
    expect(exif?.Image?.Artist).toBe('A. Photographer');
    expect(exif?.Image?.Software).toBeUndefined();
    expect(exif?.GPSInfo).toBeUndefined();
  });
  it('none strips everything', async () => {
    expect(await exifOf('width=32,metadata=none')).toBeUndefined();
  });
  it('keep keeps everything', async () => {
    const exif = await exifOf('width=32,metadata=keep');
    expect(exif?.Image?.Software).toBe('test');
  });
});

describe('sources and errors', () => {
  it('serves paths with encoded spaces in directories', async () => {
    expect(await dims('/cdn-cgi/image/width=100/nested%20dir/photo%201.jpg')).toEqual([100, 56]);
  });

  it.each([
    '/cdn-cgi/image/width=100/../outside-secret.jpg',
    '/cdn-cgi/image/width=100/%2e%2e/outside-secret.jpg',
    '/cdn-cgi/image/width=100/nested%20dir%2f..%2f..%2foutside-secret.jpg',
    '/cdn-cgi/image/width=100//etc/passwd',
    '/cdn-cgi/image/width=100/escape.jpg',
    '/cdn-cgi/image/width=100/a%00.jpg',
    '/../outside-secret.jpg',
    '/escape.jpg',
  ])('refuses path escape %s', async (target) => {
    const { response, body } = await get(target);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('x-image-cdn-error')).toMatch(/^(source_forbidden|malformed_url|source_not_found)$/);
    expect(body.toString()).not.toContain('TOP-SECRET-CONTENT');
  });

  it('404 source_not_found for a missing file', async () => {
    const { response, body } = await get('/cdn-cgi/image/width=100/missing.jpg');
    expect(response.status).toBe(404);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_not_found');
    expect(body.toString()).toContain('missing.jpg');
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('415 unsupported_source_format for bytes that are not an image', async () => {
    const { response } = await get('/cdn-cgi/image/width=100/not-an-image.jpg');
    expect(response.status).toBe(415);
    expect(response.headers.get('x-image-cdn-error')).toBe('unsupported_source_format');
  });

  it('400 with a tag for unknown and invalid options', async () => {
    const unknown = await get('/cdn-cgi/image/wdth=100/fossa.jpg');
    expect(unknown.response.status).toBe(400);
    expect(unknown.response.headers.get('x-image-cdn-error')).toBe('unknown_option');
    expect(unknown.body.toString()).toContain('wdth');
    const invalid = await get('/cdn-cgi/image/width=abc/fossa.jpg');
    expect(invalid.response.headers.get('x-image-cdn-error')).toBe('invalid_option');
    expect(invalid.body.toString()).toContain('width');
  });

  it('an http(s) source is recognised but refused until an HTTP source is configured', async () => {
    const { response, body } = await get('/cdn-cgi/image/width=100/https://example.com/a.jpg');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_forbidden');
    expect(body.toString()).toMatch(/http/);
  });

  it('405 for other methods', async () => {
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=100/fossa.jpg`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe.skipIf(!hasCorpus)('corpus photos', () => {
  let corpusOrigin: OriginServer;
  beforeAll(async () => {
    corpusOrigin = await startTestOrigin({}, CORPUS);
  });
  afterAll(async () => {
    await corpusOrigin?.close();
  });

  it.each([
    ['fossa-4096x2304.jpg', 'width=600,fit=cover,height=600,format=webp', [600, 600], 'webp'],
    ['kleiber-6028x3391.jpg', 'width=800,format=avif', [800, 450], 'avif'],
    ['painting-colors-6000x4000.jpg', 'width=1000,dpr=2,format=jpeg', [2000, 1333], 'jpeg'],
    ['infinite-sea-4096x4096.jpg', 'width=500,height=300,fit=pad,format=png', [500, 300], 'png'],
  ] as const)('%s with %s', async (file, options, size, format) => {
    const response = await fetch(`${corpusOrigin.url}/cdn-cgi/image/${options}/${file}`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(magic(body)).toBe(format);
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height]).toEqual(size);
  });
});
