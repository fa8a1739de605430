/**
 * The response header that carries the origin's cache tags. The ImageCdn construct sets it as the
 * distribution's `CacheTagConfig.HeaderName` and as the origin's `IMAGE_CDN_CACHE_TAG_HEADER`, so
 * `image-cdn invalidate --source` can purge every cached transform of one source. Kept free of
 * aws-cdk-lib so run-time code can import it.
 */
export const DEFAULT_CACHE_TAG_HEADER = 'x-image-cdn-cache-tag';
