import type { Result } from '../errors.js';
import type { ImageOptions, ImageRequest, Pipeline } from '../pipeline/types.js';

/** The header-independent part of what a URL asks for. */
export interface TransformPlan {
  readonly pipeline: Pipeline;
  readonly fingerprint: string;
}

/**
 * Revalidations repeat the same URLs; parsing, expanding variants, normalising and hashing them
 * again is most of a 304's cost. A bounded map (oldest entries dropped first) keeps the parse
 * per URL; the rest hangs off the parsed request. Header-dependent plans (width=auto) are
 * computed per request.
 */
export class PlanCache {
  private readonly parsed = new Map<string, Result<ImageRequest> | undefined>();
  private readonly expanded = new WeakMap<ImageRequest, ImageOptions>();
  private readonly plans = new WeakMap<ImageRequest, TransformPlan>();

  constructor(private readonly maxEntries = 10_000) {}

  parse(url: string, parse: () => Result<ImageRequest> | undefined): Result<ImageRequest> | undefined {
    if (this.parsed.has(url)) return this.parsed.get(url);
    const result = parse();
    if (this.parsed.size >= this.maxEntries) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(url, result);
    return result;
  }

  /** `expand` may throw (an unknown variant); failures are not kept. */
  options(request: ImageRequest, expand: () => ImageOptions): ImageOptions {
    return memo(this.expanded, request, expand);
  }

  plan(request: ImageRequest, build: () => TransformPlan): TransformPlan {
    return memo(this.plans, request, build);
  }
}

function memo<T>(map: WeakMap<ImageRequest, T>, key: ImageRequest, make: () => T): T {
  const known = map.get(key);
  if (known !== undefined) return known;
  const value = make();
  map.set(key, value);
  return value;
}
