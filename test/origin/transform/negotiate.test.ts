import { describe, expect, it } from 'vitest';
import { acceptedImageTypes, chooseFormat, chooseQuality } from '../../../origin/src/transform/negotiate.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';

const all = { avif: true, webp: true };
const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const SAFARI_OLD = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';
const CURL = '*/*';

describe('chooseFormat', () => {
  it('format=auto prefers AVIF, then WebP, then a source-derived format, always with Vary', () => {
    expect(chooseFormat('auto', 'image/jpeg', CHROME, all)).toEqual({ format: 'avif', varyAccept: true });
    expect(chooseFormat('auto', 'image/jpeg', SAFARI_OLD, all)).toEqual({ format: 'webp', varyAccept: true });
    expect(chooseFormat('auto', 'image/jpeg', CURL, all)).toEqual({ format: 'jpeg', varyAccept: true });
    expect(chooseFormat('auto', 'image/png', CURL, all)).toEqual({ format: 'png', varyAccept: true });
    expect(chooseFormat('auto', 'image/gif', undefined, all)).toEqual({ format: 'gif', varyAccept: true });
  });

  it('keeps animation: an animated-capable source prefers WebP over AVIF', () => {
    expect(chooseFormat('auto', 'image/gif', CHROME, all).format).toBe('webp');
  });

  it('honours q=0 refusals', () => {
    expect(chooseFormat('auto', 'image/jpeg', 'image/avif;q=0,image/webp', all).format).toBe('webp');
  });

  it('explicit formats never vary; missing AVIF support falls back visibly', () => {
    expect(chooseFormat('webp', 'image/jpeg', CHROME, all)).toEqual({ format: 'webp', varyAccept: false });
    expect(chooseFormat('avif', 'image/jpeg', CHROME, { avif: false, webp: true })).toEqual({ format: 'webp', varyAccept: false, fallback: 'avif->webp' });
    expect(chooseFormat('original', 'image/png', CHROME, all)).toEqual({ format: 'png', varyAccept: false });
    expect(chooseFormat('original', 'image/tiff', CHROME, all)).toEqual({ format: 'jpeg', varyAccept: false });
  });

  it('parses Accept defensively', () => {
    expect([...acceptedImageTypes(' Image/AVIF ; q=0.9 , image/webp;q=0')]).toEqual(['image/avif']);
    expect(acceptedImageTypes('x'.repeat(100_000)).size).toBe(1);
  });
});

describe('chooseQuality', () => {
  const output = normalise({ quality: 85, slowConnectionQuality: 40 }).output;
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('uses slow-connection-quality only on slow hints, and varies on the hints', () => {
    expect(chooseQuality(output, headers({}))).toEqual({ quality: 85, vary: ['save-data', 'ect', 'rtt', 'downlink'] });
    expect(chooseQuality(output, headers({ 'save-data': 'on' })).quality).toBe(40);
    expect(chooseQuality(output, headers({ ect: '3g' })).quality).toBe(40);
    expect(chooseQuality(output, headers({ rtt: '400' })).quality).toBe(40);
    expect(chooseQuality(output, headers({ downlink: '1.5' })).quality).toBe(40);
    expect(chooseQuality(output, headers({ ect: '4g', rtt: '50', downlink: '10' })).quality).toBe(85);
  });
  it('adds no Vary when the option is absent', () => {
    expect(chooseQuality(normalise({ quality: 85 }).output, headers({ 'save-data': 'on' }))).toEqual({ quality: 85, vary: [] });
  });
});
