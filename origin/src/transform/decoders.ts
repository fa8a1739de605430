import sharp from 'sharp';

/**
 * The libvips loaders the origin may use, process-wide (sharp.block is global). libvips picks a
 * loader from the bytes and, for a path, sometimes the suffix, and it has more loaders than the
 * origin serves formats (its own .v format, and whatever a build adds). Every source is sniffed
 * before libvips sees it; this list is the second fence. SVG loads only from memory: from a path,
 * librsvg resolves relative references (XInclude, <image href>) against the file's directory.
 */
export const ALLOWED_LOADERS: readonly string[] = [
  'VipsForeignLoadJpegFile',
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngFile',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadWebpFile',
  'VipsForeignLoadWebpBuffer',
  'VipsForeignLoadNsgifFile',
  'VipsForeignLoadNsgifBuffer',
  'VipsForeignLoadTiffFile',
  'VipsForeignLoadTiffBuffer',
  'VipsForeignLoadHeifFile',
  'VipsForeignLoadHeifBuffer',
  'VipsForeignLoadSvgBuffer',
];

let restricted = false;

/** Blocks every libvips loader but ALLOWED_LOADERS; idempotent, so each decoding path calls it first. */
export function allowOnlyImageDecoders(): void {
  if (restricted) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: [...ALLOWED_LOADERS] });
  restricted = true;
}
