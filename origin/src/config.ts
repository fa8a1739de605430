/**
 * One typed configuration object for the origin. CLI flags, environment variables and the
 * JSON config file are three ways to fill it; `resolveConfig` merges them over the defaults.
 */

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

export interface Limits {
  /** width × height × frames, read from the image header before any decode. */
  readonly maxPixels: number;
  readonly maxSourceBytes: number;
  /** Largest output width or height (Cloudflare's 12,000). */
  readonly maxOutputDimension: number;
  readonly requestTimeoutMs: number;
  /** Transforms running at once (each uses libvips threads). */
  readonly concurrency: number;
  /** Transforms waiting beyond `concurrency` before 503. */
  readonly queueSize: number;
}

export interface CacheControlConfig {
  readonly default: string;
  readonly immutable: string;
  readonly clientError: string;
  readonly serverError: string;
}

export interface OriginConfig {
  readonly host: string;
  readonly port: number;
  /** Longest prefix wins. */
  readonly mounts: readonly MountConfig[];
  readonly httpSource?: HttpSourceConfig;
  readonly limits: Limits;
  readonly cacheControl: CacheControlConfig;
  /** JSON access log lines on stdout. */
  readonly accessLog: boolean;
}

export const DEFAULT_CACHE_CONTROL: CacheControlConfig = {
  default: 'public, max-age=3600, stale-while-revalidate=86400',
  immutable: 'public, max-age=31536000, immutable',
  clientError: 'public, max-age=60',
  serverError: 'no-store',
};

export const DEFAULT_LIMITS: Limits = {
  maxPixels: 25_000_000,
  maxSourceBytes: 50 * 1024 * 1024,
  maxOutputDimension: 12_000,
  requestTimeoutMs: 10_000,
  concurrency: 2,
  queueSize: 64,
};
