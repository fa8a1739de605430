import { describe, expect, it } from 'vitest';
import { planResize } from '../../../origin/src/transform/resize-plan.js';
import type { Fit, Gravity } from '../../../origin/src/pipeline/types.js';

const centre: Gravity = { mode: 'point', x: 0.5, y: 0.5 };
const plan = (W: number, H: number, fit: Fit, width?: number, height?: number, gravity: Gravity = centre) =>
  planResize(W, H, { ...(width !== undefined && { width }), ...(height !== undefined && { height }), fit, gravity });

describe('planResize (Cloudflare fit modes)', () => {
  it('scale-down shrinks to fit and never enlarges', () => {
    expect(plan(4000, 2000, 'scale-down', 600, 600)).toEqual({ scaleTo: { width: 600, height: 300 } });
    expect(plan(400, 200, 'scale-down', 600, 600)).toEqual({});
    expect(plan(4000, 2000, 'scale-down', 600)).toEqual({ scaleTo: { width: 600, height: 300 } });
  });

  it('contain fits the box and may enlarge; one dimension is matched exactly', () => {
    expect(plan(400, 200, 'contain', 600, 600)).toEqual({ scaleTo: { width: 600, height: 300 } });
    expect(plan(400, 200, 'contain', undefined, 500)).toEqual({ scaleTo: { width: 1000, height: 500 } });
  });

  it('cover fills the box exactly, cropping the overflow around the gravity point', () => {
    expect(plan(4000, 2000, 'cover', 600, 600)).toEqual({
      scaleTo: { width: 1200, height: 600 },
      crop: { width: 600, height: 600, left: 300, top: 0 },
    });
    expect(plan(4000, 2000, 'cover', 600, 600, { mode: 'point', x: 0, y: 0.5 }).crop).toEqual({ width: 600, height: 600, left: 0, top: 0 });
    expect(plan(4000, 2000, 'cover', 600, 600, { mode: 'point', x: 1, y: 0.5 }).crop).toEqual({ width: 600, height: 600, left: 600, top: 0 });
    expect(plan(100, 50, 'cover', 600, 600)).toEqual({ scaleTo: { width: 1200, height: 600 }, crop: { width: 600, height: 600, left: 300, top: 0 } });
  });

  it('cover with auto/face gravity leaves the window to libvips attention', () => {
    expect(plan(4000, 2000, 'cover', 600, 600, { mode: 'auto' }).crop).toEqual({ width: 600, height: 600, attention: true });
  });

  it('crop behaves like cover for large images and like scale-down for small ones', () => {
    expect(plan(4000, 2000, 'crop', 600, 600)).toEqual(plan(4000, 2000, 'cover', 600, 600));
    expect(plan(400, 200, 'crop', 600, 600)).toEqual({});
    // Larger on one axis only: no scaling, window clipped to the image on the short axis.
    expect(plan(1000, 300, 'crop', 500, 500)).toEqual({ crop: { width: 500, height: 300, left: 250, top: 0 } });
  });

  it('pad fits the box then extends to it', () => {
    expect(plan(4000, 2000, 'pad', 600, 600)).toEqual({ scaleTo: { width: 600, height: 300 }, pad: { width: 600, height: 600 } });
    expect(plan(4000, 2000, 'pad', 600)).toEqual({ scaleTo: { width: 600, height: 300 } });
  });

  it('squeeze stretches to the exact box', () => {
    expect(plan(4000, 2000, 'squeeze', 600, 600)).toEqual({ scaleTo: { width: 600, height: 600 } });
  });
});
