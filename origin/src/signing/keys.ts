import { ImageCdnError, fail, ok, type Result } from '../errors.js';

/** Shortest signing key accepted: 16 characters, the length of an imgix secure URL token. */
export const MIN_SIGNING_KEY_LENGTH = 16;

/**
 * Signing keys as configured (`--signing-key`, repeatable): the first signs, all verify.
 * Keys are used as UTF-8 bytes. Refuses an empty list and short keys, naming which.
 */
export function checkSigningKeys(keys: readonly string[]): Result<readonly string[]> {
  if (keys.length === 0) return fail(configError('no signing key given: pass --signing-key at least once'));
  for (const [index, key] of keys.entries()) {
    if (key.length < MIN_SIGNING_KEY_LENGTH) {
      return fail(configError(`signing key ${index + 1} is ${key.length} characters; use at least ${MIN_SIGNING_KEY_LENGTH} (e.g. openssl rand -base64 32)`));
    }
  }
  return ok(keys);
}

// A configuration problem, reported at start-up; the tag is never sent to a client.
const configError = (message: string) => new ImageCdnError('invalid_option', 400, message);
