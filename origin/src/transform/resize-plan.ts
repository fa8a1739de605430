import type { Fit, Gravity } from '../pipeline/types.js';

/**
 * Cloudflare's fit modes as concrete geometry for an image of `inputWidth × inputHeight`: the
 * image the resize receives as planned (the oriented source, or what trim and rotate left of it).
 * Every size in the plan is absolute, in output pixels, never a factor: the plan holds when the
 * pixels come from a smaller decoded level of that image. Pure arithmetic, so every mode is
 * unit-testable without pixels.
 */
export interface ResizePlan {
  /** Size to scale to (aspect kept unless fit=squeeze); undefined when no scaling is needed. */
  readonly scaleTo?: { readonly width: number; readonly height: number };
  /** Crop window in the scaled image's pixels (fit=cover/crop). `attention` lets libvips pick it (gravity auto/face). */
  readonly crop?:
    | { readonly width: number; readonly height: number; readonly left: number; readonly top: number }
    | { readonly width: number; readonly height: number; readonly attention: true };
  /** Canvas to centre the scaled image on (fit=pad). */
  readonly pad?: { readonly width: number; readonly height: number };
}

export interface ResizeRequest {
  readonly width?: number;
  readonly height?: number;
  readonly fit: Fit;
  readonly gravity: Gravity;
}

export function planResize(inputWidth: number, inputHeight: number, request: ResizeRequest): ResizePlan {
  const { width, height, fit } = request;
  const W = inputWidth;
  const H = inputHeight;
  const both = width !== undefined && height !== undefined;

  if (!both || fit === 'scale-down' || fit === 'contain' || fit === 'pad') {
    // Largest size that fits the box (a single dimension is a box unbounded on the other axis).
    let scale = Math.min(width !== undefined ? width / W : Infinity, height !== undefined ? height / H : Infinity);
    if (fit === 'scale-down' || fit === 'crop') scale = Math.min(scale, 1);
    const scaled = scaledSize(W, H, scale, width, height);
    const plan: ResizePlan = sameSize(scaled, W, H) ? {} : { scaleTo: scaled };
    if (fit === 'pad' && both && (scaled.width !== width || scaled.height !== height)) {
      return { ...plan, pad: { width, height } };
    }
    return plan;
  }

  if (fit === 'squeeze') return sameSize({ width, height }, W, H) ? {} : { scaleTo: { width, height } };

  // cover: fill the box, enlarging if needed. crop: the same, but never enlarge; when the image is
  // smaller than the box on an axis, the window shrinks to the image on that axis.
  let scale = Math.max(width / W, height / H);
  if (fit === 'crop') scale = Math.min(scale, 1);
  const scaledWidth = Math.max(1, Math.round(W * scale));
  const scaledHeight = Math.max(1, Math.round(H * scale));
  const windowWidth = Math.min(width, scaledWidth);
  const windowHeight = Math.min(height, scaledHeight);
  const scaleTo = sameSize({ width: scaledWidth, height: scaledHeight }, W, H) ? {} : { scaleTo: { width: scaledWidth, height: scaledHeight } };
  if (windowWidth === scaledWidth && windowHeight === scaledHeight) return scaleTo;
  if (request.gravity.mode !== 'point') {
    return { ...scaleTo, crop: { width: windowWidth, height: windowHeight, attention: true } };
  }
  const { x, y } = request.gravity;
  return {
    ...scaleTo,
    crop: {
      width: windowWidth,
      height: windowHeight,
      left: clamp(Math.round(x * scaledWidth - windowWidth / 2), 0, scaledWidth - windowWidth),
      top: clamp(Math.round(y * scaledHeight - windowHeight / 2), 0, scaledHeight - windowHeight),
    },
  };
}

/** Scale keeping aspect; an axis the caller fixed gets exactly its value (no rounding drift). */
function scaledSize(W: number, H: number, scale: number, width?: number, height?: number) {
  const exactWidth = width !== undefined && scale === width / W;
  const exactHeight = height !== undefined && scale === height / H;
  return {
    width: exactWidth ? width : Math.max(1, Math.round(W * scale)),
    height: exactHeight ? height : Math.max(1, Math.round(H * scale)),
  };
}

const sameSize = (size: { width: number; height: number }, W: number, H: number) => size.width === W && size.height === H;
const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), max);
