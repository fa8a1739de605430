import { expect } from 'vitest';
import type { Result } from '../../origin/src/errors.js';
import { formatCloudflareOptions, parseCloudflareOptions } from '../../origin/src/grammar/cloudflare.js';
import { MAX_DPR } from '../../origin/src/grammar/cloudflare-values.js';
import { MAX_HOSTED_DPR } from '../../origin/src/grammar/hosted.js';
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
  const { variant, ...all } = result.value.options;
  // Cloudflare's grammar has no gif output; everything else must read back identically.
  if (all.format === 'gif') return;
  // The hosted grammars serve dpr up to 5, Cloudflare's up to 2: that part is checked apart.
  const { dpr, ...withoutDpr } = all;
  if (dpr !== undefined) expect(dpr).toBeLessThanOrEqual(MAX_HOSTED_DPR);
  const rest = dpr !== undefined && dpr > MAX_DPR ? withoutDpr : all;
  const reparsed = Object.keys(rest).length === 0 ? { ok: true as const, value: {} } : parseCloudflareOptions(formatCloudflareOptions(rest));
  expect(reparsed).toEqual({ ok: true, value: rest });
  if (variant === undefined) expect(() => normalise(rest)).not.toThrow();
}
