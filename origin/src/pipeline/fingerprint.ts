import { createHash } from 'node:crypto';
import { ENCODER_ID } from '../transform/encoder-settings.js';
import type { Pipeline } from './types.js';

/**
 * Stable serialisation: object keys sorted at every level, so property insertion order
 * (which differs between grammars) can never change the fingerprint.
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const ENCODER_DIGEST = createHash('sha256').update(ENCODER_ID).digest('base64url');

/**
 * Version of how the engine turns a pipeline into pixels, for changes the encoder table does
 * not show: 2 = downscales start from a decoded source level (transform/source-level.ts);
 * 3 = gamma is computed by libvips (rounding differs from the former lookup table by at most 1).
 */
const ENGINE_VERSION = 3;

/** Fingerprint of a normalised pipeline plus the engine and encoder that will run it. */
export function fingerprint(pipeline: Pipeline): string {
  return createHash('sha256')
    .update(`v${ENGINE_VERSION}|${ENCODER_DIGEST}|${stableStringify(pipeline)}`)
    .digest('base64url');
}
