import { errors } from '../errors.js';
import type { ResolvedSource, Source } from './types.js';

/** Path of the built-in image that makes `/cdn-cgi/image/format=auto/_health.png` a transform health check. */
export const HEALTH_IMAGE_PATH = '_health.png';

/** A 16×16 semi-transparent PNG; small enough to transform in a millisecond on any backend. */
const HEALTH_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAGUlEQVQ4y2PQqDhxhhLMMGrAqAGjBgwXAwDJGDQfiFvxwwAAAABJRU5ErkJggg==',
  'base64',
);

const RESOLVED: ResolvedSource = {
  meta: {
    etagSeed: `builtin|${HEALTH_IMAGE_PATH}|${HEALTH_PNG.length}`,
    identity: HEALTH_IMAGE_PATH,
    size: HEALTH_PNG.length,
    contentType: 'image/png',
    // Health checks must reach the origin every time.
    cacheControl: 'no-store',
  },
  open: async () => ({ kind: 'bytes', bytes: HEALTH_PNG }),
};

export const builtinSource: Source = {
  kind: 'builtin',
  async resolve(path) {
    if (path !== HEALTH_IMAGE_PATH) throw errors.sourceNotFound(path);
    return RESOLVED;
  },
};
