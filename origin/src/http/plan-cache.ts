import type { Result } from '../errors.js';
import type { ImageOptions, ImageRequest, Pipeline } from '../pipeline/types.js';

/** The header-independent part of what a URL asks for. */
export interface TransformPlan {
  readonly pipeline: Pipeline;
  readonly fingerprint: string;
}

export interface PlanCacheLimits {
  /** @default 10,000 */
  readonly maxEntries?: number;
  /** Estimated memory of all kept parses together (see planEntryBytes). @default 8 MiB */
  readonly maxBytes?: number;
}

/** Per entry beyond the URL's characters: the map slot, the parsed request and what hangs off it. */
export const PLAN_ENTRY_OVERHEAD_BYTES = 512;

/**
 * What keeping one URL's parse costs, estimated: the URL as the key and, about as long again, the
 * source path inside the parsed request (request targets arrive as one-byte strings).
 */
export const planEntryBytes = (url: string): number => url.length * 2 + PLAN_ENTRY_OVERHEAD_BYTES;

interface Parsed {
  readonly result: Result<ImageRequest> | undefined;
  readonly bytes: number;
}

/**
 * Revalidations repeat the same URLs; parsing, expanding variants, normalising and hashing them
 * again is most of a 304's cost. A bounded map keeps the parse per URL; the rest hangs off the
 * parsed request. Header-dependent plans (width=auto) are computed per request.
 *
 * The bound is in bytes as well as entries: a URL can be kilobytes long, and ten thousand of
 * those would hold hundreds of MB. Oldest entries are dropped first.
 */
export class PlanCache {
  private readonly parsed = new Map<string, Parsed>();
  private readonly expanded = new WeakMap<ImageRequest, ImageOptions>();
  private readonly plans = new WeakMap<ImageRequest, TransformPlan>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(limits: PlanCacheLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 10_000;
    this.maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
  }

  /** Estimated bytes held by the kept parses; never above maxBytes. */
  get retainedBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.parsed.size;
  }

  parse(url: string, parse: () => Result<ImageRequest> | undefined): Result<ImageRequest> | undefined {
    const known = this.parsed.get(url);
    if (known !== undefined) return known.result;
    const result = parse();
    this.keep(url, result);
    return result;
  }

  private keep(url: string, result: Result<ImageRequest> | undefined): void {
    const bytes = planEntryBytes(url);
    if (bytes > this.maxBytes || this.maxEntries < 1) return;
    // Insertion order is age order.
    while (this.parsed.size >= this.maxEntries || this.bytes + bytes > this.maxBytes) {
      const [oldest, entry] = this.parsed.entries().next().value!;
      this.parsed.delete(oldest);
      this.bytes -= entry.bytes;
    }
    this.parsed.set(url, { result, bytes });
    this.bytes += bytes;
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
