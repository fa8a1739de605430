import { createHash } from 'node:crypto';

/**
 * Content-addressed keys: the basename is the sha256 of the bytes (hex, lower case), with or
 * without an extension (`uploads/3a7b…e1.png`, `3a7b…e1`). Such a key can never change its
 * bytes, so its metadata needs no I/O and its responses are immutable.
 */
export const DEFAULT_CONTENT_ADDRESSED_PATTERN = '^(?<digest>[0-9a-f]{64})(\\.[A-Za-z0-9]+)?$';

const SHA256_HEX = /[0-9a-f]{64}/;

/** Returns the digest in `key`'s basename, or undefined when the key is not content-addressed. */
export type ContentAddressMatcher = (key: string) => string | undefined;

/**
 * `pattern` is a regular expression matched against the basename. The digest is its named group
 * `digest` when it has one, otherwise the first 64-hex-digit run of the basename; a match without
 * a digest is not content-addressed (there would be nothing to vouch for the bytes).
 */
export function createContentAddressMatcher(pattern: string = DEFAULT_CONTENT_ADDRESSED_PATTERN): ContentAddressMatcher {
  const regex = compilePattern(pattern);
  return (key) => {
    const basename = key.slice(key.lastIndexOf('/') + 1);
    const match = regex.exec(basename);
    if (!match) return undefined;
    const digest = match.groups?.['digest'] ?? SHA256_HEX.exec(basename)?.[0];
    return digest !== undefined && /^[0-9a-fA-F]{64}$/.test(digest) ? digest.toLowerCase() : undefined;
  };
}

/** Compiles a configured pattern, naming it in the error when it is not a valid regular expression. */
export function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new Error(`content-addressed pattern "${pattern}" is not a valid regular expression: ${(error as Error).message}`);
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
