import type { Edges, Rgba, Trim } from '../../pipeline/types.js';

/**
 * The steps a transform is made of, planned from the source's header (output-geometry.ts) and
 * run in order by the engine. Every size and window is in the pixels of the image the step
 * receives, as planned: the oriented source for the first step, and for a resize that image even
 * when its pixels come from a smaller decoded level (see `ScaleStep`).
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Window extends Size {
  readonly left: number;
  readonly top: number;
}

export type BorderTrim = Extract<Trim, { mode: 'border' }>;

/**
 * Trim, flip and rotate run first, on the decoded source, and each is materialised: they change
 * the geometry the later steps refer to (a rare request, so the lost shrink-on-load is accepted).
 */
export type GeometryStep =
  /** Keep `window`, in the pixels of the image before the trim (a trim by edges or rectangle). */
  | { readonly kind: 'trim'; readonly window: Window }
  /** Trim a uniform border: the size this leaves depends on the pixels, so the steps after it are planned again. */
  | { readonly kind: 'trim-border'; readonly trim: BorderTrim }
  | { readonly kind: 'flip'; readonly horizontal: boolean }
  | { readonly kind: 'rotate'; readonly angle: 90 | 180 | 270 };

/**
 * Scale to `to` (fit fill). `to` is the output size itself, not a factor, so the step is the same
 * whether the pixels are the image it was planned from or a decoded level of it (level pixels =
 * source pixels / factor): a level only changes how far libvips shrinks.
 */
export interface ScaleStep {
  readonly kind: 'scale';
  readonly to: Size;
}

/** The steps after the geometry: they join one libvips pipeline, materialised only where noted. */
export type ChainedStep =
  | ScaleStep
  /** Cut `window` out of the scaled image (fit=cover/crop with a focal point). */
  | { readonly kind: 'crop'; readonly window: Window }
  /**
   * fit=cover/crop with gravity auto or face: libvips scales the pixels it receives to cover
   * `window` (its own scale, from a level's pixels when there is one) and picks the window itself.
   * Never planned for an animation, which libvips cannot run it on: that gets a centre `crop`.
   */
  | { readonly kind: 'crop-attention'; readonly window: Size }
  /** fit=pad: `edges` of `background` around the scaled image, which centre it on the requested box. */
  | { readonly kind: 'pad'; readonly edges: Edges; readonly background: Rgba }
  | { readonly kind: 'adjust'; readonly brightness: number; readonly contrast: number; readonly gamma: number; readonly saturation: number }
  | { readonly kind: 'blur'; readonly sigma: number }
  | { readonly kind: 'sharpen'; readonly sigma: number }
  /** `materialiseFirst` when a crop or pad came before it in this pipeline (steps/pad.ts). */
  | { readonly kind: 'border'; readonly edges: Edges; readonly color: Rgba; readonly materialiseFirst: boolean };

export type Step = GeometryStep | ChainedStep;

const GEOMETRY_KINDS: ReadonlySet<Step['kind']> = new Set(['trim', 'trim-border', 'flip', 'rotate']);

export const isGeometryStep = (step: Step): step is GeometryStep => GEOMETRY_KINDS.has(step.kind);
export const isChainedStep = (step: Step): step is ChainedStep => !GEOMETRY_KINDS.has(step.kind);
