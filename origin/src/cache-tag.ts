import { createHash } from 'node:crypto';
import { createContentAddressMatcher } from './sources/content-address.js';

/**
 * The cache tag of a source, as the origin sends it (in `cacheTagHeader`) and as
 * `image-cdn invalidate --source` purges it. A content-addressed source is tagged by its digest
 * (the same bytes under any mount share one tag); any other source by its path as written in
 * URLs, without the leading slash. Tags obey CloudFront's rules: visible ASCII without commas,
 * at most 256 characters (longer paths are tagged by their sha256).
 */
export const MAX_CACHE_TAG_LENGTH = 256;

const contentDigest = createContentAddressMatcher();

export function cacheTagForSource(sourcePath: string): string {
  const path = sourcePath.replace(/^\/+/, '');
  const digest = contentDigest(path);
  if (digest) return digest;
  const tag = path.replace(/[^\x21-\x7e]|[,%]/gu, percentEncode);
  return tag.length <= MAX_CACHE_TAG_LENGTH ? tag : `sha256:${createHash('sha256').update(path).digest('hex')}`;
}

/** UTF-8 percent-encoding that cannot throw (unlike encodeURIComponent on a lone surrogate). */
const percentEncode = (char: string) => [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * The response header that carries the origin's cache tags. The ImageCdn construct sets it as the
 * distribution's `CacheTagConfig.HeaderName` and as the origin's `IMAGE_CDN_CACHE_TAG_HEADER`, so
 * `image-cdn invalidate --source` can purge every cached transform of one source.
 */
export const DEFAULT_CACHE_TAG_HEADER = 'x-image-cdn-cache-tag';
