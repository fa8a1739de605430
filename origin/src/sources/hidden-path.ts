import { errors } from '../errors.js';

/**
 * No path segment may start with `.`: `.env`, `.git/config`, `.ssh/` and every other dotfile or
 * dot-directory under a file root or an S3 prefix stay out of reach, whatever their bytes.
 * `source` names the request in the message; `segments` are the path's parts to check.
 */
export function refuseHiddenSegments(source: string, segments: readonly string[]): void {
  const hidden = segments.find((segment) => segment.startsWith('.'));
  if (hidden !== undefined) {
    throw errors.sourceForbidden(source, `hidden path segment "${hidden}" (names starting with "." are never served)`);
  }
}
