import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageSrcset, imageUrl } from '../../lib/client/index.js';
import { parseImageUrl } from '../../origin/src/grammar/index.js';
import type { ImageOptions } from '../../origin/src/pipeline/types.js';

const DIGEST = '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b';

/** What the origin makes of a URL the builder produced. */
function parseBack(url: string) {
  const pathname = new URL(url, 'https://cdn.example').pathname;
  const parsed = parseImageUrl(pathname, '');
  if (!parsed?.ok) throw new Error(`origin refused ${url}: ${parsed?.error.message}`);
  return parsed.value;
}

describe('imageUrl', () => {
  it('builds the canonical URL: long option names, sorted', () => {
    expect(imageUrl(`uploads/${DIGEST}.jpg`, { width: 600, format: 'auto' })).toBe(`/cdn-cgi/image/format=auto,width=600/uploads/${DIGEST}.jpg`);
    expect(imageUrl(`uploads/${DIGEST}.jpg`, { format: 'auto', width: 600 })).toBe(imageUrl(`uploads/${DIGEST}.jpg`, { width: 600, format: 'auto' }));
  });

  it('prefixes the base URL, with or without a trailing slash or a path', () => {
    expect(imageUrl('a.jpg', { width: 10 }, { baseUrl: 'https://images.example.com/' })).toBe('https://images.example.com/cdn-cgi/image/width=10/a.jpg');
    expect(imageUrl('a.jpg', { width: 10 }, { baseUrl: 'https://example.com/img' })).toBe('https://example.com/img/cdn-cgi/image/width=10/a.jpg');
    expect(() => imageUrl('a.jpg', { width: 10 }, { baseUrl: 'images.example.com' })).toThrow();
    expect(() => imageUrl('a.jpg', { width: 10 }, { baseUrl: 'https://x.example/?a=1' })).toThrow(/query or fragment/);
  });

  it('a leading slash on the key makes no difference', () => {
    expect(imageUrl('/a/b.jpg', { width: 10 })).toBe(imageUrl('a/b.jpg', { width: 10 }));
  });

  it('refuses an empty option set and an empty key', () => {
    expect(() => imageUrl('a.jpg', {})).toThrow(/at least one option/);
    expect(() => imageUrl('', { width: 1 })).toThrow(/source key/);
  });

  it('encodes keys so the origin decodes exactly the same key', () => {
    for (const key of ['photos/summer 2024/beach #1.jpg', 'a%20b.png', 'ünïcødé/日本.webp', 'q?x=1.jpg', 'comma,semi;colon.jpg']) {
      const url = imageUrl(key, { width: 300 });
      expect(url).not.toMatch(/[ #?]/);
      expect(parseBack(url).source).toBe(key);
    }
  });

  it('passes absolute upstream URLs through', () => {
    const url = imageUrl('https://images.example.com/a/b.jpg?v=2', { width: 300 });
    expect(url).toBe('/cdn-cgi/image/width=300/https://images.example.com/a/b.jpg?v=2');
    expect(parseBack(url).source).toBe('https://images.example.com/a/b.jpg');
  });

  it('the origin parses back the same options (representative sets)', () => {
    const sets: ImageOptions[] = [
      { width: 600, format: 'auto' },
      { width: 'auto', height: 400, fit: 'cover', gravity: { mode: 'point', x: 0.25, y: 0.75 }, quality: 'medium-high' },
      { height: 200, fit: 'pad', background: { r: 255, g: 0, b: 0, alpha: 1 }, format: 'webp', dpr: 2 },
      { width: 50, blur: 10, sharpen: 2, brightness: 1.2, contrast: 0.8, gamma: 1.1, saturation: 0, rotate: 90, flip: 'hv' },
      { width: 100, trim: { mode: 'edges', edges: { top: 1, right: 2, bottom: 3, left: 4 } }, metadata: 'copyright', anim: false },
      { width: 120, border: { color: { r: 0, g: 0, b: 0, alpha: 1 }, width: 5 }, format: 'avif', quality: 50, compression: 'fast' },
    ];
    for (const options of sets) {
      const parsed = parseBack(imageUrl(`uploads/${DIGEST}.jpg`, options));
      expect(parsed.options).toEqual(options);
      expect(parsed.source).toBe(`uploads/${DIGEST}.jpg`);
    }
  });

  it('round-trips generated option sets', () => {
    const options = fc.record(
      {
        width: fc.integer({ min: 1, max: 12_000 }),
        height: fc.integer({ min: 1, max: 12_000 }),
        fit: fc.constantFrom('scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze' as const),
        quality: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom('high', 'medium-high', 'medium-low', 'low' as const)),
        format: fc.constantFrom('auto', 'avif', 'webp', 'jpeg', 'baseline-jpeg', 'png', 'json' as const),
        rotate: fc.constantFrom(0, 90, 180, 270 as const),
        blur: fc.integer({ min: 1, max: 250 }),
      },
      { requiredKeys: ['width'] },
    ) as fc.Arbitrary<ImageOptions>;
    const keys = fc.array(
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && s !== '.' && s !== '..' && !s.includes('\0')),
      {
        minLength: 1,
        maxLength: 3,
      },
    );
    fc.assert(
      fc.property(options, keys, (opts, segments) => {
        const key = segments.join('/');
        const parsed = parseBack(imageUrl(key, opts));
        expect(parsed.options).toEqual(opts);
        expect(parsed.source).toBe(key);
      }),
    );
  });
});

describe('imageSrcset', () => {
  it('lists one candidate per width, ascending, without duplicates', () => {
    expect(imageSrcset('a.jpg', [640, 320, 640], { format: 'auto' }, { baseUrl: 'https://cdn.example' })).toBe(
      'https://cdn.example/cdn-cgi/image/format=auto,width=320/a.jpg 320w, https://cdn.example/cdn-cgi/image/format=auto,width=640/a.jpg 640w',
    );
  });

  it('each candidate parses back to its width', () => {
    const srcset = imageSrcset(`uploads/${DIGEST}.png`, [200, 400, 800], { fit: 'cover', height: 300 });
    const candidates = srcset.split(', ').map((candidate) => candidate.split(' '));
    expect(candidates.map(([, descriptor]) => descriptor)).toEqual(['200w', '400w', '800w']);
    for (const [url, descriptor] of candidates) {
      expect(parseBack(url!).options).toEqual({ width: Number.parseInt(descriptor!, 10), fit: 'cover', height: 300 });
    }
  });

  it('refuses empty and invalid widths', () => {
    expect(() => imageSrcset('a.jpg', [])).toThrow(/at least one width/);
    expect(() => imageSrcset('a.jpg', [0])).toThrow(/positive integers/);
    expect(() => imageSrcset('a.jpg', [10.5])).toThrow(/positive integers/);
  });
});
