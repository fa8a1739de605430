import { parseCloudflareOptions } from '../../grammar/cloudflare.js';
import { normalise } from '../../pipeline/normalise.js';
import type { ImageOptions } from '../../pipeline/types.js';

/** pipeline/variants.ts's VARIANT_COMBINABLE (that module reads files, so it stays on the server); a test keeps them equal. */
export const VARIANT_COMBINABLE: readonly (keyof ImageOptions)[] = ['format', 'onerror'];

/**
 * The variant that makes the same image as `options`, as the options of its URL: `variant` plus
 * the options a request may add to a variant. Compared as the origin compares transforms, by the
 * normalised pipeline, so neither spelling nor order matters.
 */
export function matchingVariant(options: ImageOptions, variants: Readonly<Record<string, string>>): ImageOptions | undefined {
  if (options.variant !== undefined) return undefined;
  const added = Object.fromEntries(Object.entries(options).filter(([key]) => VARIANT_COMBINABLE.includes(key as keyof ImageOptions))) as ImageOptions;
  const wanted = canonical(options);
  for (const [name, optionString] of Object.entries(variants)) {
    const parsed = parseCloudflareOptions(optionString);
    if (!parsed.ok || parsed.value.variant !== undefined) continue;
    const base = parsed.value as Record<string, unknown>;
    // The origin refuses an added option that contradicts the variant's own (pipeline/variants.ts).
    const conflicts = Object.entries(added).some(([key, value]) => base[key] !== undefined && sorted(base[key]) !== sorted(value));
    if (!conflicts && canonical({ ...parsed.value, ...added }) === wanted) return { variant: name, ...added };
  }
  return undefined;
}

/** The normalised pipeline as text with sorted keys: equal text, equal transform. */
const canonical = (options: ImageOptions): string => sorted(normalise(options));

function sorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sorted(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
