import exifReader from 'exif-reader';
import type { Sharp } from 'sharp';

/**
 * Cloudflare's `metadata` option: `none` strips everything, `keep` keeps EXIF/XMP/ICC,
 * `copyright` (the default) keeps only the copyright and artist notices — never GPS.
 */
export function applyMetadataPolicy(image: Sharp, policy: 'copyright' | 'keep' | 'none', exif: Buffer | undefined): Sharp {
  if (policy === 'keep') return image.keepMetadata();
  if (policy === 'none' || !exif) return image;
  const notices = copyrightNotices(exif);
  return notices ? image.withExif({ IFD0: notices }) : image;
}

function copyrightNotices(exif: Buffer): Record<string, string> | undefined {
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(exif);
  } catch {
    return undefined; // Unreadable EXIF carries no notice we could keep.
  }
  const image = (tags.Image ?? {}) as Record<string, unknown>;
  const notices: Record<string, string> = {};
  for (const tag of ['Copyright', 'Artist'] as const) {
    const value = image[tag];
    if (typeof value === 'string' && value.trim()) notices[tag] = value;
  }
  return Object.keys(notices).length ? notices : undefined;
}
