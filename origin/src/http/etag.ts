import { createHash } from 'node:crypto';

/** Strong ETag: `"` + base64url(sha256(parts joined by |)) + `"`. No pixels involved. */
export function strongEtag(...parts: readonly string[]): string {
  return `"${createHash('sha256').update(parts.join('|')).digest('base64url')}"`;
}
