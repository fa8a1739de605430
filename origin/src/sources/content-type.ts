/** Image content types by file extension (lower case, without the dot). */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jfif: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  heif: 'image/heif',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  jxl: 'image/jxl',
};

export function contentTypeFromPath(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return BY_EXTENSION[path.slice(dot + 1).toLowerCase()];
}

/** sharp's `metadata().format` → content type. */
export function contentTypeFromSharpFormat(format: string | undefined): string {
  switch (format) {
    case 'jpeg': return 'image/jpeg';
    case 'png': return 'image/png';
    case 'gif': return 'image/gif';
    case 'webp': return 'image/webp';
    case 'heif': return 'image/avif';
    case 'tiff': return 'image/tiff';
    case 'svg': return 'image/svg+xml';
    case 'jxl': return 'image/jxl';
    default: return 'application/octet-stream';
  }
}
