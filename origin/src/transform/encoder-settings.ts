import sharp from 'sharp';
import type { OutputFormat, QualityPreset } from '../pipeline/types.js';

/**
 * Default encoder settings per output format. Every value here changes output bytes, so the
 * whole table (and the sharp/libvips versions) is part of every fingerprint: changing a default
 * changes every ETag, which is exactly what a CDN needs to know.
 */
export const ENCODER_DEFAULTS = {
  /**
   * Cloudflare's default quality is 85. mozjpeg would cost 3–5× the encode time (≈ +7% per
   * transform) for ≈ 4% fewer bytes at equal SSIM; progressive costs ≈ +2 ms per 600-px image
   * (BENCHMARKS.md, encoder table).
   */
  jpeg: { quality: 85, progressive: true, mozjpeg: false, chromaSubsampling: '4:2:0' },
  'baseline-jpeg': { quality: 85, progressive: false, mozjpeg: false, chromaSubsampling: '4:2:0' },
  webp: { quality: 82, effort: 4, fastEffort: 1 },
  /**
   * AVIF quality is on its own scale: 55 looks like JPEG 85 at roughly half the bytes. Effort 3
   * is the knee: effort 4 (sharp's default) takes 4.5–4.9× the encode time for 0.6% fewer bytes,
   * effort 2 saves a third of the time for 7% more bytes (BENCHMARKS.md, encoder table).
   */
  avif: { quality: 55, effort: 3, fastEffort: 1, chromaSubsampling: '4:2:0' },
  png: { compressionLevel: 6, fastCompressionLevel: 2, effort: 7, palette: false },
  gif: { effort: 7, fastEffort: 1 },
} as const;

/** Perceptual presets (Cloudflare's `quality=high` etc.) per format. */
const PRESETS: Record<QualityPreset, { jpeg: number; webp: number; avif: number }> = {
  high: { jpeg: 90, webp: 90, avif: 70 },
  'medium-high': { jpeg: 85, webp: 82, avif: 55 },
  'medium-low': { jpeg: 75, webp: 72, avif: 45 },
  low: { jpeg: 60, webp: 60, avif: 35 },
};

/** The numeric quality for `format`, from a request value, a preset or the default. */
export function qualityFor(format: OutputFormat, requested: number | QualityPreset | undefined): number | undefined {
  const family = format === 'baseline-jpeg' ? 'jpeg' : format;
  if (family !== 'jpeg' && family !== 'webp' && family !== 'avif') return undefined;
  if (typeof requested === 'number') return requested;
  if (requested) return PRESETS[requested][family];
  return ENCODER_DEFAULTS[family].quality;
}

/** Identifies everything outside the URL that decides output bytes. */
export const ENCODER_ID = JSON.stringify({
  sharp: sharp.versions.sharp,
  vips: sharp.versions.vips,
  defaults: ENCODER_DEFAULTS,
  presets: PRESETS,
});

/**
 * What the fingerprint names besides the URL: the encoder, and whether downscales start from a
 * decoded level (source-level.ts), whose bytes differ from a single pipeline's by rounding.
 * With levels, the identity every ETag had before the setting existed.
 */
export function outputIdentity({ sourceLevels }: { readonly sourceLevels: boolean }): string {
  return sourceLevels ? ENCODER_ID : `${ENCODER_ID}|no-source-levels`;
}
