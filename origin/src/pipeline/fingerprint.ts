import { createHash } from 'node:crypto';
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

/**
 * Version of how the engine turns a pipeline into pixels, for changes the encoder table does
 * not show: 2 = downscales start from a decoded source level (transform/source-level.ts);
 * 3 = gamma is computed by libvips (rounding differs from the former lookup table by at most 1);
 * 4 = an animation keeps its frames through gamma and a border after a crop or pad (they came out
 * as one tall image of stacked frames). Still images' bytes did not change.
 */
const ENGINE_VERSION = 4;

/**
 * Fingerprint of a normalised pipeline plus the engine and the encoder that will run it.
 * `encoderId` is the encoder's identity (transform/encoder-settings.ts's ENCODER_ID), passed in
 * because pipeline/ sits below transform/. It is required: a fingerprint without it would let an
 * encoder upgrade serve the old bytes under the same ETag.
 */
export function fingerprint(pipeline: Pipeline, encoderId: string): string {
  return createHash('sha256')
    .update(`v${ENGINE_VERSION}|${encoderDigest(encoderId)}|${stableStringify(pipeline)}`)
    .digest('base64url');
}

// One encoder per process: its digest is computed once, not per URL.
let lastEncoder: { readonly id: string; readonly digest: string } | undefined;

function encoderDigest(encoderId: string): string {
  if (lastEncoder?.id !== encoderId) lastEncoder = { id: encoderId, digest: createHash('sha256').update(encoderId).digest('base64url') };
  return lastEncoder.digest;
}
