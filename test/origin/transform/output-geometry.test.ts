import { describe, expect, it } from 'vitest';
import { parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import { MAX_BLUR_WORK, planGeometry } from '../../../origin/src/transform/output-geometry.js';
import { failure } from '../../support/failure.js';

const LIMITS = { maxOutputDimension: 12_000, maxOutputPixels: 25_000_000 };

function plan(options: string, width = 1600, height = 900, frames = 1, limits = LIMITS) {
  const parsed = parseCloudflareOptions(options);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return planGeometry(width, height, frames, normalise(parsed.value).operations, limits);
}

describe('output geometry by arithmetic', () => {
  it('follows trim, rotation, fit and border', () => {
    expect(plan('width=400')).toEqual({ width: 400, height: 225, exact: true });
    expect(plan('rotate=90,width=450')).toEqual({ width: 450, height: 800, exact: true });
    expect(plan('trim=100;200;300;400,width=500')).toMatchObject({ width: 500, height: 250 });
    expect(plan('width=500,height=500,fit=pad,border=color:red;width:10')).toMatchObject({ width: 520, height: 520 });
    expect(plan('width=300,height=300,fit=cover,dpr=2')).toMatchObject({ width: 600, height: 600 });
    expect(plan('trim=border,width=100')).toMatchObject({ exact: false });
  });

  it('refuses a step that grows past a side or the area, whichever it passes', async () => {
    expect(() => plan('width=12000,fit=contain')).toThrow(/after resize is 12000×6750 = 81000000 pixels; the limit is 25000000/);
    expect(() => plan('height=1000', 20_000, 1_000)).toThrow(/after resize is 20000×1000 px; the limit is 12000 px per side/);
    expect(() => plan('width=4000,fit=contain', 1600, 900, 4)).toThrow(/4000×2250×4 frames/);
    const error = await failure(
      Promise.resolve().then(() => plan('width=10,height=10,fit=squeeze,border=color:red;width:1000', 16, 16, 1, { ...LIMITS, maxOutputDimension: 2000 })),
    );
    expect([error.tag, error.status]).toEqual(['output_too_large', 400]);
  });

  it('bounds blur by area × sigma', () => {
    expect(() => plan('width=4000,height=2500,fit=squeeze,blur=250')).not.toThrow(); // exactly 1.25e9
    expect(() => plan('width=4000,height=2501,fit=squeeze,blur=250')).toThrow(/blur=250 on a 4000×2501 image/);
    expect(4000 * 2500 * 125).toBe(MAX_BLUR_WORK);
  });
});
