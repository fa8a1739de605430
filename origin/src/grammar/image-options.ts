/**
 * What every URL grammar parses into (Cloudflare first; imgix, Cloudinary, ImageKit map onto it):
 * `ImageOptions` is Cloudflare's option set, typed and validated, nothing defaulted. The
 * normaliser (pipeline/normalise.ts) turns it into a `Pipeline`.
 */

export type Fit = 'scale-down' | 'contain' | 'cover' | 'crop' | 'pad' | 'squeeze';

/** Formats the origin can write. `jpeg` is progressive; `baseline-jpeg` is not. */
export type OutputFormat = 'avif' | 'webp' | 'jpeg' | 'baseline-jpeg' | 'png' | 'gif';

/** What a URL may ask for: a concrete format, `auto` (negotiated from Accept) or metadata JSON. */
export type RequestedFormat = OutputFormat | 'auto' | 'json';

export type QualityPreset = 'high' | 'medium-high' | 'medium-low' | 'low';

/** A colour with 8-bit channels and alpha in 0..1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly alpha: number;
}

export type Gravity =
  | { readonly mode: 'auto' }
  | { readonly mode: 'face' }
  | { readonly mode: 'side'; readonly side: 'left' | 'right' | 'top' | 'bottom' }
  /** Focal point; x and y in 0..1 of the source width/height (0.5,0.5 is the centre). */
  | { readonly mode: 'point'; readonly x: number; readonly y: number };

export interface Edges {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

export type Trim =
  /** Trim a uniform border; colour defaults to the top-left pixel, tolerance to libvips' 10. */
  | { readonly mode: 'border'; readonly color?: Rgba; readonly tolerance?: number; readonly keep?: number }
  /** Remove fixed amounts (source pixels) from each edge: `trim=t;r;b;l`. */
  | { readonly mode: 'edges'; readonly edges: Edges }
  /** Keep a rectangle (source pixels): `trim.left/top/width/height`. Missing width/height mean "to the edge". */
  | { readonly mode: 'rect'; readonly left: number; readonly top: number; readonly width?: number; readonly height?: number };

export type Border = { readonly color: Rgba; readonly width: number } | { readonly color: Rgba; readonly edges: Edges };

/** Parsed options. Everything optional: absence means "the default". */
export interface ImageOptions {
  readonly width?: number | 'auto';
  readonly height?: number;
  readonly fit?: Fit;
  readonly gravity?: Gravity;
  readonly dpr?: number;
  readonly quality?: number | QualityPreset;
  readonly slowConnectionQuality?: number | QualityPreset;
  readonly format?: RequestedFormat;
  readonly metadata?: 'copyright' | 'keep' | 'none';
  readonly background?: Rgba;
  readonly blur?: number;
  readonly sharpen?: number;
  readonly brightness?: number;
  readonly contrast?: number;
  readonly gamma?: number;
  readonly saturation?: number;
  readonly rotate?: 0 | 90 | 180 | 270;
  readonly flip?: 'h' | 'v' | 'hv';
  readonly trim?: Trim;
  readonly border?: Border;
  readonly anim?: boolean;
  readonly compression?: 'fast';
  readonly onerror?: 'redirect';
  /** A named variant (resolved against the variant table before normalising). */
  readonly variant?: string;
}

/** One parsed request: the source path (or absolute URL) plus what to do with it. */
export interface ImageRequest {
  /** Grammar that parsed it, for logs only (never part of the fingerprint). */
  readonly grammar: string;
  /** Source path relative to the mount root, without a leading slash, decoded; or an absolute http(s) URL. */
  readonly source: string;
  readonly options: ImageOptions;
}
