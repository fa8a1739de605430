import { expect } from 'vitest';
import type { Result } from '../../origin/src/errors.js';
import { formatCloudflareOptions, parseCloudflareOptions } from '../../origin/src/grammar/cloudflare.js';
import { normalise } from '../../origin/src/pipeline/normalise.js';
import type { ImageRequest } from '../../origin/src/pipeline/types.js';

/**
 * For the hosted-grammar fuzz tests: a refusal is a 4xx, and every success is expressible in
 * the Cloudflare grammar (formats to an option string that parses back to the same options)
 * and accepted by the normaliser.
 */
export function checkExpressible(result: Result<ImageRequest> | undefined): void {
  if (result === undefined) return;
  if (!result.ok) {
    expect(result.error.status).toBeGreaterThanOrEqual(400);
    expect(result.error.status).toBeLessThan(500);
    return;
  }
  const { variant, ...rest } = result.value.options;
  // Cloudflare's grammar has no gif output; everything else must read back identically.
  if (rest.format === 'gif') return;
  const reparsed = Object.keys(rest).length === 0 ? { ok: true as const, value: {} } : parseCloudflareOptions(formatCloudflareOptions(rest));
  expect(reparsed).toEqual({ ok: true, value: rest });
  if (variant === undefined) expect(() => normalise(rest)).not.toThrow();
}
