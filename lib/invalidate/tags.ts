/**
 * Cache-tag invalidation items: CloudFront purges every object whose origin response carried a tag
 * when `CreateInvalidation` lists that tag as `#<tag>` among the paths. Pure functions; nothing
 * here talks to AWS.
 */
import { MAX_CACHE_TAG_LENGTH, cacheTagForSource } from '../../origin/src/cache-tag.js';
import { InvalidationInputError } from './errors.js';

export { MAX_CACHE_TAG_LENGTH };

/** Marks an item of `Paths.Items` as a cache tag rather than a path. */
export const CACHE_TAG_ITEM_PREFIX = '#';

export const isCacheTagItem = (item: string): boolean => item.startsWith(CACHE_TAG_ITEM_PREFIX);

const describeCharacter = (char: string): string => `${JSON.stringify(char)} (U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;

/**
 * Checks a raw cache tag against CloudFront's rules ("What you need to know when invalidating
 * tags", CloudFront Developer Guide): visible ASCII 33–126 without commas, at most 256 characters,
 * no wildcard. Tags are case-insensitive there, so the tag is returned in lower case: `ABC` and
 * `abc` then make one item and one caller reference. Errors name the tag and the rule it breaks.
 */
export function validateCacheTag(tag: string): string {
  if (typeof tag !== 'string' || tag.length === 0) {
    throw new InvalidationInputError('invalid_tag', 'cache tag must be a non-empty string');
  }
  const shown = JSON.stringify(tag.length > 80 ? `${tag.slice(0, 80)}…` : tag);
  if (tag.startsWith(CACHE_TAG_ITEM_PREFIX)) {
    throw new InvalidationInputError(
      'invalid_tag',
      `cache tag ${shown} starts with "#"; give the tag without it (the "#" that marks a tag item is added when sending)`,
    );
  }
  for (const char of tag) {
    const code = char.codePointAt(0) ?? 0;
    if (char === ',') {
      throw new InvalidationInputError('invalid_tag', `cache tag ${shown} contains a comma; CloudFront splits tags at commas, so one tag cannot contain one`);
    }
    if (code < 0x21 || code > 0x7e) {
      throw new InvalidationInputError(
        'invalid_tag',
        `cache tag ${shown} contains ${describeCharacter(char)}; CloudFront allows only visible ASCII (33–126) in tags`,
      );
    }
  }
  if (tag.length > MAX_CACHE_TAG_LENGTH) {
    throw new InvalidationInputError('invalid_tag', `cache tag ${shown} is ${tag.length} characters; CloudFront allows ${MAX_CACHE_TAG_LENGTH}`);
  }
  if (tag.endsWith('*')) {
    throw new InvalidationInputError(
      'invalid_tag',
      `cache tag ${shown} ends in "*"; tags have no wildcard (CloudFront matches each tag exactly), list the tags instead`,
    );
  }
  return tag.toLowerCase();
}

/**
 * The tag the origin sends for a source path (`uploads/<sha256>.jpg`, `/img/cat.jpg`), as
 * `cacheTagForSource` computes it: the digest for a content-addressed key (whatever its mount),
 * otherwise the percent-decoded path as the origin sees it, without leading slashes.
 */
export function sourceCacheTag(source: string): string {
  if (typeof source !== 'string' || source.replace(/^\/+/, '') === '') {
    throw new InvalidationInputError('invalid_source', `source "${String(source)}" is empty; give a source path such as uploads/<sha256>.jpg`);
  }
  // A transform URL here would yield a tag no response carries, and the purge would do nothing.
  if (/^\/*cdn-cgi\/image\//.test(source)) {
    throw new InvalidationInputError(
      'invalid_source',
      `source "${source}" is a transform URL; give the source path after the options (for /cdn-cgi/image/width=400/uploads/a.jpg that is uploads/a.jpg)`,
    );
  }
  return cacheTagForSource(source).toLowerCase();
}

export const cacheTagItem = (tag: string): string => `${CACHE_TAG_ITEM_PREFIX}${tag}`;
