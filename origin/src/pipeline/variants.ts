import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { errors, fail, ImageCdnError, ok, type Result } from '../errors.js';
import { parseCloudflareOptions } from '../grammar/cloudflare.js';
import { VALUE_CODECS } from '../grammar/cloudflare-values.js';
import { VARIANT_NAME } from '../grammar/variant-name.js';
import type { ImageOptions } from './types.js';

/**
 * Variants: named transforms (`thumb`, `avatar`) an operator defines once, as Cloudflare option
 * strings, and clients ask for by name (`variant=thumb`, Cloudinary `t_thumb`, ImageKit
 * `n-thumb`). A variant expands to exactly the options its string parses to, so it shares
 * fingerprint and ETag with the same ad-hoc transform.
 *
 * Only VARIANT_COMBINABLE options may accompany a variant: they pick an encoding of the same
 * transform (format=auto negotiation) or a failure behaviour, never a different geometry, so a
 * variant-only origin still has a bounded set of outputs per source.
 */

/** Variant name → its options, validated. */
export type VariantTable = ReadonlyMap<string, ImageOptions>;

/** Options a request may add to a variant (and the only ones allowed without one when onlyVariants). */
export const VARIANT_COMBINABLE: readonly (keyof ImageOptions)[] = ['format', 'onerror'];

export interface VariantPolicy {
  /** Refuse ad-hoc transforms: only variants (plus VARIANT_COMBINABLE options) and untransformed originals. */
  readonly onlyVariants?: boolean;
}

export const EMPTY_VARIANTS: VariantTable = new Map();

/**
 * A variant table from a JSON object (`{"thumb": "width=120,height=120,fit=cover"}`), or from
 * the path of a file holding one. Every entry is checked now, so a typo stops the origin at
 * start rather than failing requests later; errors name the file, the variant and the option.
 */
export function loadVariants(input: unknown): Result<VariantTable> {
  if (typeof input !== 'string') return parseVariants(input, 'variants');
  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (error) {
    return fail(loadError(`variants file ${input}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(loadError(`variants file ${input}: not valid JSON (${(error as Error).message})`));
  }
  return parseVariants(json, `variants file ${input}`);
}

export function parseVariants(json: unknown, origin = 'variants'): Result<VariantTable> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(loadError(`${origin}: expected a JSON object mapping each variant name to a Cloudflare option string`));
  }
  const table = new Map<string, ImageOptions>();
  for (const [name, value] of Object.entries(json)) {
    if (!VARIANT_NAME.test(name)) {
      return fail(loadError(`${origin}: variant name "${name.slice(0, 80)}" must be 1 to 64 of a-z, 0-9, "_" and "-"`));
    }
    if (typeof value !== 'string') {
      return fail(loadError(`${origin}: variant "${name}" must be a Cloudflare option string such as "width=120,height=120,fit=cover"`));
    }
    const parsed = parseCloudflareOptions(value);
    if (!parsed.ok) return fail(loadError(`${origin}: variant "${name}": ${parsed.error.message}`));
    if (parsed.value.variant !== undefined) return fail(loadError(`${origin}: variant "${name}" refers to another variant; spell its options out`));
    table.set(name, parsed.value);
  }
  return ok(table);
}

/**
 * Expands `options.variant` into the variant's options plus any combinable options the request
 * added. Unknown variant → 404 variant_not_found; an option that cannot accompany a variant, or
 * that contradicts it → 400 invalid_option. With onlyVariants, a request with other ad-hoc
 * options → 400 unknown_option. Requests without a variant pass through unchanged otherwise.
 */
export function resolveVariant(options: ImageOptions, table: VariantTable, policy: VariantPolicy = {}): Result<ImageOptions> {
  const { variant: name, ...requested } = options;
  if (name === undefined) {
    if (policy.onlyVariants) {
      const adHoc = Object.keys(requested).find((key) => !VARIANT_COMBINABLE.includes(key as keyof ImageOptions));
      if (adHoc !== undefined) {
        return fail(
          new ImageCdnError(
            'unknown_option',
            400,
            `option "${optionName(adHoc)}" is not accepted: this origin serves named variants only (variant=<name>, with ${combinableNames()})`,
          ),
        );
      }
    }
    return ok(options);
  }
  const base = table.get(name);
  if (!base) return fail(errors.variantNotFound(name));
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(requested)) {
    if (value === undefined) continue;
    if (!VARIANT_COMBINABLE.includes(key as keyof ImageOptions)) {
      return fail(
        new ImageCdnError(
          'invalid_option',
          400,
          `option "${optionName(key)}" cannot be combined with variant "${name}"; options that can: ${combinableNames()}`,
        ),
      );
    }
    const fixed = merged[key];
    if (fixed !== undefined && !isDeepStrictEqual(fixed, value)) {
      return fail(new ImageCdnError('invalid_option', 400, `option "${optionName(key)}" conflicts with variant "${name}", which sets it to ${show(fixed)}`));
    }
    merged[key] = value;
  }
  return ok(merged as ImageOptions);
}

/** True when the request asks for a variant and adds only combinable options (what signing may exempt). */
export function isVariantRequest(options: ImageOptions): boolean {
  if (options.variant === undefined) return false;
  return Object.entries(options).every(([key, value]) => key === 'variant' || value === undefined || VARIANT_COMBINABLE.includes(key as keyof ImageOptions));
}

// ImageOptions field → the Cloudflare option name clients write.
const URL_NAMES: ReadonlyMap<string, string> = new Map([...VALUE_CODECS].map(([urlName, codec]) => [codec.field, urlName]));
const optionName = (field: string) => URL_NAMES.get(field) ?? field;
const combinableNames = () => VARIANT_COMBINABLE.map(optionName).join(', ');
const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

// A start-up configuration problem; the tag is never sent to a client.
const loadError = (message: string) => new ImageCdnError('invalid_option', 400, message);
