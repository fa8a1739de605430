/**
 * Every size and pixel limit of a request, with its default, and when it is checked. The checks
 * stay with the code that has the number to check (named below); the values live here.
 *
 * Before any source byte is read:
 * - the request target is at most MAX_URL_LENGTH → 414 (http/request-target.ts);
 * - the URL's own numbers are within the grammar's bounds (12,000 px, dpr, blur, border,
 *   chained steps) → 400 (grammar/);
 * - a requested side is at most `maxOutputDimension`, and a box the URL fills exactly is at most
 *   `maxOutputPixels` → 400 (transform/limits.ts);
 * - the source's size from its metadata is at most `maxSourceBytes` → 413, and an original's at
 *   most `maxResponseBytes` → 413 (http/size-checks.ts).
 *
 * While the source is read: a body that passes `maxSourceBytes` is cut off → 413
 * (sources/read-bounded.ts); an SVG source past `svg.maxBytes` → 413 (transform/checked-source.ts,
 * transform/svg-policy.ts).
 *
 * From the image header, before decode:
 * - width × height × frames is at most `maxPixels` → 413 (transform/source-header.ts); an SVG's
 *   elements, embedded images and rendered size are held to `svg.maxElements` and `maxPixels`
 *   (transform/svg-policy.ts, transform/svg-render.ts);
 * - the output after every step that can grow it (resize, pad, border) is within
 *   `maxOutputDimension` and `maxOutputPixels`, and a blur within MAX_BLUR_WORK → 400
 *   (transform/output-geometry.ts).
 *
 * During decode: libvips itself refuses more than `maxPixels` (`limitInputPixels`,
 * transform/decode.ts), a backstop for a header that lied.
 *
 * After encode: the output is at most `maxResponseBytes` → 413, before any of it is sent
 * (http/size-checks.ts).
 */

export interface Limits {
  /** width × height × frames, read from the image header before any decode. */
  readonly maxPixels: number;
  readonly maxSourceBytes: number;
  /** Largest output width or height (Cloudflare's 12,000). */
  readonly maxOutputDimension: number;
  /**
   * Largest output width × height × frames, after every step that can grow the image (resize,
   * pad, border). Each side under 12,000 px still allows 144 MP; this bounds memory and time.
   */
  readonly maxOutputPixels: number;
  /**
   * Largest response body (bytes): a transform's encoded output, or an original. Unset: no limit
   * beyond the others. The Lambda origin sets it, because its streamed responses have a ceiling.
   */
  readonly maxResponseBytes?: number;
  readonly requestTimeoutMs: number;
  /** Transforms running at once (each uses libvips threads). */
  readonly concurrency: number;
  /** Transforms waiting beyond `concurrency` before 503. */
  readonly queueSize: number;
  /**
   * Memory for decoded sources kept between transforms of the same source (MiB); 0 keeps none.
   * A page's srcset asks for several widths and formats of one new source at once: they share one decode.
   */
  readonly sourceCacheMiB: number;
  /**
   * Whether a downscale starts from a decoded level of its source (transform/source-level.ts).
   * Levels make a source's later renditions cheap and cost its first one a second resize; the
   * output bytes differ by rounding, so the choice is part of every ETag.
   */
  readonly sourceLevels: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  maxPixels: 25_000_000,
  maxSourceBytes: 50 * 1024 * 1024,
  maxOutputDimension: 12_000,
  maxOutputPixels: 25_000_000,
  requestTimeoutMs: 10_000,
  concurrency: 2,
  queueSize: 64,
  sourceCacheMiB: 256,
  sourceLevels: true,
};

/** CloudFront's own limit on a request URL: nothing longer can reach the origin through it. */
export const MAX_URL_LENGTH = 8_192;

/**
 * Gaussian blur costs about area × sigma: 1.25e9 is σ 125 (blur=250) on 10 MP, 2.0 s on one
 * libvips thread of the 2-core development machine, or σ 50 on 25 MP, 1.4 s. Past it the
 * request is refused rather than left to hold a slot for most of its deadline.
 */
export const MAX_BLUR_WORK = 1.25e9;

/** SVG is text, and a small file can describe a lot of work: its own bounds, besides `maxPixels`. */
export const DEFAULT_SVG_LIMITS = {
  /** Largest SVG source in bytes. */
  maxBytes: 256 * 1024,
  /** Most elements, counting every element that `<use>`, patterns, masks, clip paths and markers instantiate. */
  maxElements: 5_000,
} as const;
