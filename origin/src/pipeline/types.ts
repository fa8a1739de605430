/**
 * The normalised request model. Every grammar parses into `ImageOptions` (grammar/image-options.ts);
 * the normaliser turns that into a `Pipeline`: defaults filled, no-ops dropped, operations in
 * canonical order. The fingerprint is computed from the Pipeline only, so grammar and spelling
 * cannot change it.
 */
import type { Edges, Fit, Gravity, QualityPreset, RequestedFormat, Rgba, Trim } from '../grammar/image-options.js';

// The option types are the pipeline's vocabulary too; re-exported so later layers need one import.
export type {
  Fit,
  OutputFormat,
  RequestedFormat,
  QualityPreset,
  Rgba,
  Gravity,
  Edges,
  Trim,
  Border,
  ImageOptions,
  ImageRequest,
} from '../grammar/image-options.js';

/** Canonical operations, applied in this order (see docs/url-grammar.md). */
export type Operation =
  | { readonly op: 'trim'; readonly trim: Trim }
  | { readonly op: 'flip'; readonly horizontal: boolean; readonly vertical: boolean }
  | { readonly op: 'rotate'; readonly angle: 90 | 180 | 270 }
  | {
      readonly op: 'resize';
      /** Device pixels (dpr already applied). At least one of width/height is set. */
      readonly width?: number;
      readonly height?: number;
      readonly fit: Fit;
      readonly gravity: Gravity;
    }
  | { readonly op: 'adjust'; readonly brightness: number; readonly contrast: number; readonly gamma: number; readonly saturation: number }
  | { readonly op: 'blur'; readonly radius: number }
  | { readonly op: 'sharpen'; readonly amount: number }
  | { readonly op: 'border'; readonly color: Rgba; readonly edges: Edges };

export interface OutputOptions {
  /** `original`: no format option was given, so the source's own format (when writable) is kept. */
  readonly format: RequestedFormat | 'original';
  /** 1..100 or a perceptual preset; undefined means the per-format default. */
  readonly quality?: number | QualityPreset;
  /** Used instead of `quality` when the request's client hints say the connection is slow. */
  readonly slowConnectionQuality?: number | QualityPreset;
  readonly metadata: 'copyright' | 'keep' | 'none';
  /** Colour under transparency when the output has no alpha, and the fill for fit=pad. */
  readonly background?: Rgba;
  readonly animated: boolean;
  readonly compression: 'default' | 'fast';
}

export interface Pipeline {
  readonly operations: readonly Operation[];
  readonly output: OutputOptions;
}
