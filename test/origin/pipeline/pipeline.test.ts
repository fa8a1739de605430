import { describe, expect, it } from 'vitest';
import { fingerprint, stableStringify } from '../../../origin/src/pipeline/fingerprint.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { ImageOptions } from '../../../origin/src/pipeline/types.js';
import { ENCODER_ID } from '../../../origin/src/transform/encoder-settings.js';

describe('normalise', () => {
  it('fills defaults and drops no-ops', () => {
    const pipeline = normalise({ width: 600, rotate: 0, blur: 0, brightness: 1, sharpen: 0 });
    expect(pipeline.operations).toEqual([{ op: 'resize', width: 600, fit: 'scale-down', gravity: { mode: 'point', x: 0.5, y: 0.5 } }]);
    expect(pipeline.output).toEqual({ format: 'original', metadata: 'copyright', animated: true, compression: 'default' });
  });

  it('puts operations in canonical order whatever the option order', () => {
    const a = normalise({ sharpen: 2, width: 100, rotate: 90, blur: 5, trim: { mode: 'edges', edges: { top: 1, right: 0, bottom: 0, left: 0 } } });
    expect(a.operations.map((o) => o.op)).toEqual(['trim', 'rotate', 'resize', 'blur', 'sharpen']);
  });

  it('applies dpr to width, height and border', () => {
    const p = normalise({ width: 300, height: 200, dpr: 2, border: { color: { r: 0, g: 0, b: 0, alpha: 1 }, width: 3 } });
    expect(p.operations).toContainEqual(expect.objectContaining({ op: 'resize', width: 600, height: 400 }));
    expect(p.operations).toContainEqual(expect.objectContaining({ op: 'border', edges: { top: 6, right: 6, bottom: 6, left: 6 } }));
  });

  it('reduces flips and rotations to one canonical orientation', () => {
    expect(normalise({ flip: 'hv' })).toEqual(normalise({ rotate: 180 }));
    expect(normalise({ flip: 'v', rotate: 90 })).toEqual(normalise({ flip: 'h', rotate: 270 }));
    expect(normalise({ flip: 'hv', rotate: 180 }).operations).toEqual([]);
  });

  it('ignores gravity unless a crop happens, and maps sides to points', () => {
    expect(normalise({ width: 100, gravity: { mode: 'auto' } })).toEqual(normalise({ width: 100 }));
    expect(normalise({ width: 100, height: 100, fit: 'cover', gravity: { mode: 'side', side: 'left' } })).toEqual(
      normalise({ width: 100, height: 100, fit: 'cover', gravity: { mode: 'point', x: 0, y: 0.5 } }),
    );
  });

  it('treats an explicit white background like the default', () => {
    expect(normalise({ background: { r: 255, g: 255, b: 255, alpha: 1 } })).toEqual(normalise({}));
    expect(normalise({ background: { r: 0, g: 0, b: 0, alpha: 1 } })).not.toEqual(normalise({}));
  });

  it('is idempotent through the fingerprint: equal meaning, equal print; different meaning, different print', () => {
    const base: ImageOptions = { width: 600, fit: 'cover', height: 400, format: 'webp', quality: 80 };
    const reordered: ImageOptions = { quality: 80, format: 'webp', height: 400, fit: 'cover', width: 600, dpr: 1 };
    expect(fingerprint(normalise(base), ENCODER_ID)).toBe(fingerprint(normalise(reordered), ENCODER_ID));
    expect(fingerprint(normalise(base), ENCODER_ID)).not.toBe(fingerprint(normalise({ ...base, quality: 81 }), ENCODER_ID));
    expect(fingerprint(normalise(base), ENCODER_ID)).not.toBe(fingerprint(normalise({ ...base, format: 'avif' }), ENCODER_ID));
  });

  it('refuses an unresolved variant', () => {
    expect(() => normalise({ variant: 'thumb' })).toThrow(/resolved/);
  });
});

describe('stableStringify', () => {
  it('sorts keys at every depth and skips undefined', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});
