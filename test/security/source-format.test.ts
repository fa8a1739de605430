import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { sniffImageFormat } from '../../origin/src/sources/image-format.js';
import { allowOnlyImageDecoders } from '../../origin/src/transform/decoders.js';
import { startTestOrigin, tempDir } from '../support/origin.js';

/**
 * libvips picks a loader from the bytes (and a path's suffix), not from the content type: every
 * source is sniffed before libvips sees it, and libvips keeps only the loaders of served formats.
 */

const dir = tempDir('image-cdn-formats-');
const at = (name: string) => path.join(dir.dir, name);
const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#36c' } });
let origin: OriginServer;

beforeAll(async () => {
  for (const format of ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const) {
    writeFileSync(at(`image.${format}`), await base.clone().toFormat(format).toBuffer());
  }
  // libvips' own format, and other non-images, each stored under an image's name.
  await base.clone().toFile(at('native.v'));
  writeFileSync(at('native-as-photo.jpg'), readFileSync(at('native.v')));
  writeFileSync(at('page-as-photo.jpg'), '<!DOCTYPE html><html><script>alert(1)</script></html>');
  writeFileSync(at('document-as-photo.jpg'), '%PDF-1.7\n%âãÏÓ\n');
  writeFileSync(at('movie-as-photo.jpg'), Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42\0\0\0\0mp42isom')]));
  origin = await startTestOrigin({}, dir.dir);
});
afterAll(async () => {
  await origin?.close();
  dir.remove();
});

describe('transform sources are sniffed', () => {
  it.each([
    ['native-as-photo.jpg', /libvips image/],
    ['page-as-photo.jpg', /HTML/],
    ['document-as-photo.jpg', /PDF/],
    ['movie-as-photo.jpg', /ISO media/],
  ])('%s is a 415 naming what it is', async (name, found) => {
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=4,format=png/${name}`);
    expect(response.status).toBe(415);
    expect(response.headers.get('x-image-cdn-error')).toBe('unsupported_source_format');
    expect(await response.text()).toMatch(found);
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'])('a %s source still transforms', async (format) => {
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=4,format=png/image.${format}`);
    expect(response.status).toBe(200);
  });

  it('names each image format, and what other bytes are', () => {
    expect(sniffImageFormat(readFileSync(at('image.avif'))).format).toBe('avif');
    expect(sniffImageFormat(Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- licence -->\n<svg xmlns="http://www.w3.org/2000/svg"/>')).format).toBe('svg');
    expect(sniffImageFormat(Buffer.from('<?xml version="1.0"?><rss/>'))).toEqual({ found: 'XML whose root element is <rss>, not <svg>' });
    expect(sniffImageFormat(Buffer.from([0x1f, 0x8b, 8, 0]))).toMatchObject({ found: expect.stringMatching(/gzip/) });
    expect(sniffImageFormat(Buffer.alloc(0))).toEqual({ found: 'an empty file' });
  });
});

describe('libvips keeps only the loaders of served formats', () => {
  it('loads every served format from a path and from memory, but not its own .v format nor SVG from a path', async () => {
    writeFileSync(at('drawing.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
    // The transforms above have already put the fence up; calling again changes nothing.
    allowOnlyImageDecoders();
    await expect(sharp(at('native.v')).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(at('drawing.svg')).metadata()).rejects.toThrow(/unsupported image format/);
    expect((await sharp(readFileSync(at('drawing.svg'))).metadata()).format).toBe('svg');
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']) {
      const expected = format === 'avif' ? 'heif' : format;
      expect((await sharp(at(`image.${format}`)).metadata()).format, format).toBe(expected);
      expect((await sharp(readFileSync(at(`image.${format}`))).metadata()).format, format).toBe(expected);
    }
  });
});
