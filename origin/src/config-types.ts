/**
 * The shape of the origin's configuration, types only: what every layer above grammar/ reads.
 * How it is filled (CLI flags, environment, config file, defaults) is settings/, behind config.ts.
 */
import type { GrammarName } from './grammar/names.js';
import type { Limits } from './limits.js';

export type { GrammarName } from './grammar/names.js';
export type { Limits } from './limits.js';

/** Where a mount's bytes come from. */
export type SourceConfig =
  | { readonly type: 'file'; readonly root: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      /** Key prefix inside the bucket, e.g. `uploads/`. */
      readonly prefix?: string;
      readonly forcePathStyle?: boolean;
      /** Regex source matched against the key's basename; default: a sha256 hex digest with an optional extension. */
      readonly contentAddressedPattern?: string;
      /** Hash the bytes of a content-addressed object on read and answer 502 on mismatch. */
      readonly verifyDigest?: boolean;
    };

export interface MountConfig {
  /** Path prefix, with leading and trailing slash (`/uploads/`), or `/` for everything. */
  readonly prefix: string;
  readonly source: SourceConfig;
  /** Cache-Control for every successful response from this mount; wins over source metadata. */
  readonly cacheControl?: string;
}

/** Absolute `http(s)://` sources; off unless `allowHosts` is non-empty. */
export interface HttpSourceConfig {
  /** `example.com` (exact) or `.example.com` (any subdomain, and the domain itself). */
  readonly allowHosts: readonly string[];
  readonly maxRedirects: number;
  readonly timeoutMs: number;
}

export interface CacheControlConfig {
  readonly default: string;
  readonly immutable: string;
  readonly clientError: string;
  readonly serverError: string;
}

export interface SigningConfig {
  /** The first signs (`image-cdn sign`), all verify: rotation is adding a key, then removing the old one. */
  readonly keys: readonly string[];
  readonly mode: 'required' | 'optional';
  /** Unsigned variant requests pass even in `required` mode. */
  readonly exemptVariants: boolean;
}

export interface OriginConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Idle timeout of the load balancer in front (ms): idle keep-alive connections are kept a margin
   * longer, so the load balancer always closes them first (see http/keep-alive.ts).
   */
  readonly loadBalancerIdleTimeoutMs: number;
  /** Time a client gets to send its request headers (ms); slow sockets are closed after it. */
  readonly headersTimeoutMs: number;
  /** Longest prefix wins. */
  readonly mounts: readonly MountConfig[];
  readonly httpSource?: HttpSourceConfig;
  readonly limits: Limits;
  readonly cacheControl: CacheControlConfig;
  /** JSON access log lines on stdout. */
  readonly accessLog: boolean;
  /**
   * Regex source for an optional cache-busting segment before the path (`/v2/cdn-cgi/image/...`),
   * stripped before processing; empty disables it. Must start with `^/` and end with `/`.
   */
  readonly versionPattern: string;
  /** Response header naming the source identity (e.g. `Cache-Tag`, `Surrogate-Key`), for per-source purges; unset sends none. */
  readonly cacheTagHeader?: string;
  /** URL grammars the origin parses, besides untransformed source paths. */
  readonly grammars: readonly GrammarName[];
  /** ImageKit URL endpoint prefix (`/<imagekit_id>/`, or `/` on a custom domain). */
  readonly imagekitEndpoint: string;
  /** Named variants: a JSON file path, or the object itself (name → Cloudflare option string). */
  readonly variants?: string | Readonly<Record<string, string>>;
  /** Refuse ad-hoc transforms; only variants (and untransformed originals) are served. */
  readonly onlyVariants: boolean;
  /** Signed URLs; absent means signatures are neither required nor checked. */
  readonly signing?: SigningConfig;
  /** The playground page at `/` and its read-only JSON calls (playground/); off unless asked, except in `serve`. */
  readonly playground: boolean;
  /** SVG sources; absent means DEFAULT_SVG (refused). */
  readonly svg?: SvgConfig;
  /** Metrics as CloudWatch embedded-metric-format lines on stdout; absent means DEFAULT_EMF (off). */
  readonly emf?: EmfConfig;
}

/** CloudWatch embedded-metric-format output (observability/emf.ts); the metric names are in observability/emf-catalogue.ts. */
export interface EmfConfig {
  /** Write the lines to stdout, where the awslogs driver (or Lambda) sends them to CloudWatch Logs. */
  readonly enabled: boolean;
  /** CloudWatch namespace of every metric. */
  readonly namespace: string;
  /** Value of the `Service` dimension: one per deployment, so two stacks in one account never mix their numbers. */
  readonly service: string;
  /** How often the batched lines are written (ms): at most one line per metric set per interval. */
  readonly intervalMs: number;
}

/** SVG sources (docs/url-grammar.md, "SVG sources"): off unless enabled. */
export interface SvgConfig {
  /** Rasterise SVG sources, and serve SVG originals as downloads. */
  readonly enabled: boolean;
  /** Largest SVG source in bytes: SVG is text, and a small file can describe a lot of work. */
  readonly maxBytes: number;
  /** Most elements, counting every element that `<use>`, patterns, masks, clip paths and markers instantiate. */
  readonly maxElements: number;
}
