/**
 * Invalidation paths: validation, the encoding CloudFront expects, prefix expansion,
 * de-duplication and batching. Pure functions; nothing here talks to AWS.
 */
import { InvalidationInputError } from './errors.js';
import { cacheTagItem, sourceCacheTag, validateCacheTag } from './tags.js';

/**
 * CloudFront's limits, from the Developer Guide, "Concurrent invalidation request maximum"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html):
 * up to 3,000 individual files per distribution in progress at one time, and, independently,
 * up to 15 paths using the `*` wildcard in progress at one time. One request can therefore never
 * carry more than 3,000 paths, nor more than 15 wildcard paths. A batch here stays within both.
 */
export const MAX_PATHS_PER_INVALIDATION = 3000;
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;

/**
 * "The maximum length of a path is 4,000 characters" (Developer Guide, "What you need to know
 * when invalidating paths",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html).
 */
export const MAX_PATH_LENGTH = 4000;

/**
 * The API reference asks for non-ASCII characters and the "unsafe" characters of RFC 1738 to be
 * URL-encoded, and for nothing else to be encoded (otherwise the path no longer matches the cached
 * object). RFC 1738 lists as unsafe: space < > " # % { } | \ ^ ~ [ ] `. Space is rejected rather
 * than encoded (see `validateAndEncodePath`) and `%` is handled separately so that paths which are
 * already encoded stay as they are. `~` is on the list: CloudFront rejects a raw `~` with
 * InvalidArgument (aws/aws-sdk-js-v3#4042) and accepts `%7E` (bep/s3deploy#46).
 */
const RFC1738_UNSAFE = new Set(['<', '>', '"', '#', '{', '}', '|', '\\', '^', '~', '[', ']', '`']);

const PERCENT_ESCAPE = /^%[0-9A-Fa-f]{2}/;

const describeCodePoint = (char: string): string => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

const isControl = (code: number): boolean => code <= 0x1f || (code >= 0x7f && code <= 0x9f);

const percentEncodeUtf8 = (char: string): string =>
  [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * Checks one invalidation path and returns it in the form CloudFront matches against:
 * - it must start with `/`;
 * - `*` may appear only as the last character (CloudFront has no wildcard inside a path);
 * - whitespace and control characters are refused (encode a space as `%20` yourself: whether a
 *   space in a file name reaches the cache key as `%20` or `+` depends on the client);
 * - non-ASCII and RFC 1738 unsafe characters are percent-encoded (UTF-8); existing `%XX` escapes
 *   are kept, a `%` that starts no escape becomes `%25`.
 * Errors name the offending path.
 */
export function validateAndEncodePath(input: string): string {
  if (typeof input !== 'string' || input.length === 0) {
    throw new InvalidationInputError('invalid_path', 'invalidation path must be a non-empty string');
  }
  if (!input.startsWith('/')) {
    const hint = input.startsWith('#') ? ' (items starting with "#" are cache tags, not paths: pass the tag as a tag)' : '';
    throw new InvalidationInputError('invalid_path', `invalidation path "${input}" must start with "/"${hint}`);
  }
  const star = input.indexOf('*');
  if (star !== -1 && star !== input.length - 1) {
    throw new InvalidationInputError(
      'invalid_path',
      `invalidation path "${input}" has "*" before its end; CloudFront accepts the wildcard only as the last character`,
    );
  }

  const shown = JSON.stringify(input);
  let encoded = '';
  for (let i = 0; i < input.length;) {
    const codePoint = input.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(codePoint);
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      throw new InvalidationInputError('invalid_path', `invalidation path ${shown} contains an unpaired surrogate`);
    }
    if (/\s/u.test(char) || codePoint === 0x180e) {
      throw new InvalidationInputError(
        'invalid_path',
        `invalidation path ${shown} contains whitespace (${describeCodePoint(char)}); URL-encode it (a space is %20)`,
      );
    }
    if (isControl(codePoint)) {
      throw new InvalidationInputError('invalid_path', `invalidation path ${shown} contains a control character (${describeCodePoint(char)})`);
    }
    if (char === '%') {
      const escape = PERCENT_ESCAPE.exec(input.slice(i));
      encoded += escape ? escape[0] : '%25';
      i += escape ? 3 : 1;
      continue;
    }
    encoded += codePoint > 0x7e || RFC1738_UNSAFE.has(char) ? percentEncodeUtf8(char) : char;
    i += char.length;
  }

  if (encoded.length > MAX_PATH_LENGTH) {
    throw new InvalidationInputError(
      'invalid_path',
      `invalidation path "${input.slice(0, 60)}…" is ${encoded.length} characters once encoded; CloudFront allows ${MAX_PATH_LENGTH}`,
    );
  }
  return encoded;
}

/**
 * Turns a prefix into the wildcard path that invalidates everything under it:
 * `/v2/` and `/v2` both become `/v2/*`, `/` becomes `/*`. A prefix that already ends in `*`
 * (`/v2*`, which also matches `/v2-beta/...`) is taken as written.
 */
export function prefixToWildcardPath(prefix: string): string {
  if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
    throw new InvalidationInputError('invalid_prefix', `prefix "${String(prefix)}" must start with "/"`);
  }
  if (prefix.includes('?')) {
    throw new InvalidationInputError('invalid_prefix', `prefix "${prefix}" contains "?"; pass paths with a query string as paths, not prefixes`);
  }
  if (prefix.endsWith('*')) return validateAndEncodePath(prefix);
  return validateAndEncodePath(`${prefix.endsWith('/') ? prefix : `${prefix}/`}*`);
}

/** A path ending in `*`; a cache-tag item (`#…`) is never a wildcard, whatever it ends with. */
export const isWildcardPath = (path: string): boolean => path.startsWith('/') && path.endsWith('*');

export interface InvalidationSelectors {
  /** Exact paths (`/img/a.jpg`, `/img/a.jpg?w=1`, `/img/*`). */
  readonly paths?: readonly string[] | undefined;
  /** Path prefixes; each becomes one wildcard path (`/v2/` → `/v2/*`). */
  readonly prefixes?: readonly string[] | undefined;
  /** Raw cache tags (`9f86…`, `product:tv`); each becomes the item `#<tag>`. */
  readonly tags?: readonly string[] | undefined;
  /** Source paths (`uploads/<sha256>.jpg`); each becomes the item `#<its cache tag>`. */
  readonly sources?: readonly string[] | undefined;
}

/**
 * Validates and encodes every path, prefix, tag and source, removes duplicates and every path
 * already covered by a wildcard of the same request (`/v2/a.jpg` and `/v2/b/*` under `/v2/*`), and
 * sorts the rest so that the same set of inputs always yields the same list. Tag items stay: a
 * wildcard covers URLs, not tags, and one tag may reach far beyond it.
 */
export function normaliseInvalidationPaths(input: InvalidationSelectors): string[] {
  const unique = new Set<string>();
  for (const path of input.paths ?? []) unique.add(validateAndEncodePath(path));
  for (const prefix of input.prefixes ?? []) unique.add(prefixToWildcardPath(prefix));
  for (const tag of input.tags ?? []) unique.add(cacheTagItem(validateCacheTag(tag)));
  for (const source of input.sources ?? []) unique.add(cacheTagItem(sourceCacheTag(source)));
  if (unique.size === 0) {
    throw new InvalidationInputError('no_paths', 'nothing to invalidate: give at least one path, prefix, tag or source');
  }

  // Shortest wildcard first, so a broader wildcard removes the narrower ones before they are used.
  const wildcardStems = [...unique]
    .filter(isWildcardPath)
    .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    .map((wildcard) => wildcard.slice(0, -1));
  const kept: string[] = [];
  for (const path of unique) {
    const covered = wildcardStems.some((stem) => path !== `${stem}*` && path.startsWith(stem));
    if (!covered) kept.push(path);
  }
  return kept.sort();
}

/**
 * Splits normalised paths into requests that respect both limits: at most
 * MAX_WILDCARD_PATHS_IN_PROGRESS wildcard paths and at most MAX_PATHS_PER_INVALIDATION paths each.
 * A cache-tag item counts as one path, like a file path ("Mixing path and tag invalidations").
 * Deterministic: the same input gives the same batches in the same order.
 */
export function batchInvalidationPaths(paths: readonly string[], limits: { readonly maxPaths?: number; readonly maxWildcards?: number } = {}): string[][] {
  const maxPaths = limits.maxPaths ?? MAX_PATHS_PER_INVALIDATION;
  const maxWildcards = Math.min(limits.maxWildcards ?? MAX_WILDCARD_PATHS_IN_PROGRESS, maxPaths);
  const wildcards = paths.filter(isWildcardPath);
  const files = paths.filter((path) => !isWildcardPath(path));
  const batches: string[][] = [];
  while (wildcards.length > 0 || files.length > 0) {
    const batch = wildcards.splice(0, maxWildcards);
    batch.push(...files.splice(0, maxPaths - batch.length));
    batches.push(batch.sort());
  }
  return batches;
}
