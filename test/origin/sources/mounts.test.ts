import { describe, expect, it } from 'vitest';
import { createMountTable, normaliseMountPrefix } from '../../../origin/src/sources/mounts.js';
import type { Source } from '../../../origin/src/sources/types.js';

/** Sources are only compared by identity here; the table never calls them. */
const named = (kind: string): Source => ({
  kind,
  resolve: () => Promise.reject(new Error('not called')),
});

const root = named('root');
const uploads = named('uploads');
const avatars = named('avatars');
const staticFiles = named('static');

const table = createMountTable([
  { prefix: '/', source: root },
  { prefix: '/uploads/', source: uploads, cacheControl: 'public, max-age=60' },
  { prefix: '/uploads/avatars', source: avatars },
  { prefix: 'static', source: staticFiles },
]);

describe('mount table', () => {
  it('longest prefix wins, whatever the configuration order', () => {
    expect(table.match('/uploads/avatars/me.png')).toEqual({ source: avatars, relativePath: 'me.png', prefix: '/uploads/avatars/' });
    expect(table.match('/uploads/a/b.jpg')).toEqual({
      source: uploads,
      relativePath: 'a/b.jpg',
      prefix: '/uploads/',
      cacheControl: 'public, max-age=60',
    });
    expect(table.match('/static/logo.svg')?.source).toBe(staticFiles);
    expect(table.match('/other/x.jpg')).toEqual({ source: root, relativePath: 'other/x.jpg', prefix: '/' });
  });

  it('matches whole segments only: /uploads/ never claims /uploadsX/', () => {
    expect(table.match('/uploadsX/a.jpg')).toEqual({ source: root, relativePath: 'uploadsX/a.jpg', prefix: '/' });
    expect(table.match('/uploads/avatarsX/a.jpg')?.source).toBe(uploads);
    expect(table.match('/staticfile.png')?.source).toBe(root);
  });

  it('the bare prefix names no object in that mount', () => {
    expect(table.match('/uploads/')).toEqual({ source: root, relativePath: 'uploads/', prefix: '/' });
    const noRoot = createMountTable([{ prefix: '/uploads/', source: uploads }]);
    expect(noRoot.match('/uploads/')).toBeUndefined();
    expect(noRoot.match('/uploads')).toBeUndefined();
    expect(noRoot.match('/elsewhere/a.jpg')).toBeUndefined();
  });

  it('accepts paths without a leading slash', () => {
    expect(table.match('uploads/a.jpg')?.source).toBe(uploads);
  });

  it('a per-mount Cache-Control is carried only by its own mount', () => {
    expect(table.match('/uploads/avatars/me.png')?.cacheControl).toBeUndefined();
    expect(table.match('/uploads/me.png')?.cacheControl).toBe('public, max-age=60');
  });

  it('refuses the same prefix twice, however it is spelled', () => {
    expect(() =>
      createMountTable([
        { prefix: '/uploads/', source: uploads },
        { prefix: 'uploads', source: avatars },
      ]),
    ).toThrow('mount prefix "/uploads/" is configured twice');
  });

  it('normalises prefixes and refuses ones that are not plain paths', () => {
    expect(normaliseMountPrefix('/uploads')).toBe('/uploads/');
    expect(normaliseMountPrefix('uploads/')).toBe('/uploads/');
    expect(normaliseMountPrefix('/a/b/')).toBe('/a/b/');
    expect(normaliseMountPrefix('')).toBe('/');
    expect(normaliseMountPrefix('/')).toBe('/');
    for (const bad of ['/a/../b/', '/a?x', '/a#b', '/./a', '\\a']) {
      expect(() => normaliseMountPrefix(bad)).toThrow(/invalid mount prefix/);
    }
  });
});
