import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheTagForSource, MAX_CACHE_TAG_LENGTH } from '../../origin/src/cache-tag.js';

const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('cacheTagForSource', () => {
  it('tags content-addressed sources by digest, whatever the mount', () => {
    expect(cacheTagForSource(`uploads/${DIGEST}.jpg`)).toBe(DIGEST);
    expect(cacheTagForSource(`/static/${DIGEST}`)).toBe(DIGEST);
  });
  it('tags other sources by their URL path, encoding what CloudFront does not allow', () => {
    expect(cacheTagForSource('/img/cat.jpg')).toBe('img/cat.jpg');
    expect(cacheTagForSource('a b,c%.jpg')).toBe('a%20b%2Cc%25.jpg');
    expect(cacheTagForSource('café.jpg')).toBe('caf%C3%A9.jpg');
  });
  it('always yields a valid CloudFront tag', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (path) => {
        const tag = cacheTagForSource(path);
        return tag.length <= MAX_CACHE_TAG_LENGTH && /^[\x21-\x7e]*$/.test(tag) && !tag.includes(',');
      }),
    );
  });
});
