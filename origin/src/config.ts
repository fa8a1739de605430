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
  /**
   * Largest output width × height × frames, after every step that can grow the image (resize,
   * pad, border). Each side under 12,000 px still allows 144 MP; this bounds memory and time.
   */
  readonly maxOutputPixels: number;
  readonly requestTimeoutMs: number;
  /** Transforms running at once (each uses libvips threads). */
  readonly concurrency: number;
  /** Transforms waiting beyond `concurrency` before 503. */
  readonly queueSize: number;
  /**
   * Memory for decoded sources kept between transforms of the same source (MiB); 0 keeps none.
   * A page's srcset asks for several widths and formats of one new source at once: they share one decode.
   */
  readonly sourceCacheMiB: number;
}

export interface CacheControlConfig {
  readonly default: string;
  readonly immutable: string;
  readonly clientError: string;
  readonly serverError: string;
}

export type GrammarName = 'cloudflare' | 'imgix' | 'cloudinary' | 'imagekit';
export const GRAMMAR_NAMES: readonly GrammarName[] = ['cloudflare', 'imgix', 'cloudinary', 'imagekit'];

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
  /** SVG sources; absent means DEFAULT_SVG (refused). */
  readonly svg?: SvgConfig;
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

export const DEFAULT_SVG: SvgConfig = { enabled: false, maxBytes: 256 * 1024, maxElements: 5_000 };

export const DEFAULT_VERSION_PATTERN = '^/v[0-9]{1,6}/';

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
  maxOutputPixels: 25_000_000,
  requestTimeoutMs: 10_000,
  concurrency: 2,
  queueSize: 64,
  sourceCacheMiB: 256,
};

/**
 * Flat settings, the common shape of CLI flags and environment variables. Anything unset
 * falls back to the config file, then to the defaults.
 */
export interface Settings {
  readonly host?: string;
  readonly port?: number;
  readonly loadBalancerIdleTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** File source root mounted at `/` (when no S3 bucket is given). */
  readonly root?: string;
  readonly s3Bucket?: string;
  readonly s3Prefix?: string;
  readonly s3ForcePathStyle?: boolean;
  readonly s3VerifyDigest?: boolean;
  readonly requestTimeoutMs?: number;
  readonly maxPixels?: number;
  readonly maxOutputPixels?: number;
  readonly maxSourceBytes?: number;
  readonly concurrency?: number;
  readonly queueSize?: number;
  readonly sourceCacheMiB?: number;
  readonly accessLog?: boolean;
  readonly versionPattern?: string;
  readonly cacheTagHeader?: string;
  readonly grammars?: readonly GrammarName[];
  readonly imagekitEndpoint?: string;
  /** Variants: a JSON file path, or the table itself. */
  readonly variants?: string | Readonly<Record<string, string>>;
  readonly onlyVariants?: boolean;
  readonly signingKeys?: readonly string[];
  readonly signingMode?: 'required' | 'optional';
  readonly signingExemptVariants?: boolean;
  readonly svg?: boolean;
  readonly svgMaxBytes?: number;
  readonly svgMaxElements?: number;
}

/** `cloudflare,imgix` → the grammar list; throws naming an unknown grammar. */
export function parseGrammarList(list: string): GrammarName[] {
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!GRAMMAR_NAMES.includes(name as GrammarName)) {
      throw new Error(`unknown grammar "${name}"; known grammars: ${GRAMMAR_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0) throw new Error(`no grammar given; known grammars: ${GRAMMAR_NAMES.join(', ')}`);
  return [...new Set(names)] as GrammarName[];
}

export function parseSigningMode(mode: string): 'required' | 'optional' {
  if (mode !== 'required' && mode !== 'optional') throw new Error(`signing mode must be "required" or "optional", got "${mode}"`);
  return mode;
}

/** The environment variables the origin reads (the container is configured only through these). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : undefined);
  const flag = (name: string) => (env[name] !== undefined && env[name] !== '' ? /^(1|true|yes|on)$/i.test(env[name] ?? '') : undefined);
  const settings: Record<string, unknown> = {
    host: env.HOST,
    port: number('PORT'),
    loadBalancerIdleTimeoutMs: number('IMAGE_CDN_LB_IDLE_TIMEOUT_MS'),
    headersTimeoutMs: number('IMAGE_CDN_HEADERS_TIMEOUT_MS'),
    root: env.IMAGE_CDN_FILE_ROOT,
    s3Bucket: env.IMAGE_CDN_S3_BUCKET,
    s3Prefix: env.IMAGE_CDN_S3_PREFIX,
    s3ForcePathStyle: flag('IMAGE_CDN_S3_FORCE_PATH_STYLE'),
    s3VerifyDigest: flag('IMAGE_CDN_S3_VERIFY_DIGEST'),
    requestTimeoutMs: number('IMAGE_CDN_REQUEST_TIMEOUT_MS'),
    maxPixels: number('IMAGE_CDN_MAX_PIXELS'),
    maxOutputPixels: number('IMAGE_CDN_MAX_OUTPUT_PIXELS'),
    maxSourceBytes: number('IMAGE_CDN_MAX_SOURCE_BYTES'),
    concurrency: number('IMAGE_CDN_CONCURRENCY'),
    queueSize: number('IMAGE_CDN_QUEUE_SIZE'),
    sourceCacheMiB: number('IMAGE_CDN_SOURCE_CACHE_MB'),
    accessLog: flag('IMAGE_CDN_ACCESS_LOG'),
    versionPattern: env.IMAGE_CDN_VERSION_PATTERN,
    cacheTagHeader: env.IMAGE_CDN_CACHE_TAG_HEADER,
    grammars: env.IMAGE_CDN_GRAMMARS ? parseGrammarList(env.IMAGE_CDN_GRAMMARS) : undefined,
    imagekitEndpoint: env.IMAGE_CDN_IMAGEKIT_ENDPOINT,
    variants: variantsFromEnv(env.IMAGE_CDN_VARIANTS),
    onlyVariants: flag('IMAGE_CDN_ONLY_VARIANTS'),
    // Comma-separated, first signs; keys are base64 or hex in practice, so commas cannot occur.
    signingKeys: env.IMAGE_CDN_SIGNING_KEYS ? env.IMAGE_CDN_SIGNING_KEYS.split(',').map((k) => k.trim()).filter(Boolean) : undefined,
    signingMode: env.IMAGE_CDN_SIGNING ? parseSigningMode(env.IMAGE_CDN_SIGNING) : undefined,
    signingExemptVariants: flag('IMAGE_CDN_SIGNING_EXEMPT_VARIANTS'),
    svg: flag('IMAGE_CDN_SVG'),
    svgMaxBytes: number('IMAGE_CDN_SVG_MAX_BYTES'),
    svgMaxElements: number('IMAGE_CDN_SVG_MAX_ELEMENTS'),
  };
  return dropUndefined(settings as Settings);
}

/** Unset settings must not hide a lower layer's value when layers are merged with Object.assign. */
export const dropUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Limits where 0 means none (no queue, no decoded-source memory). */
export const ZERO_ALLOWED_LIMITS: ReadonlySet<string> = new Set(['queueSize', 'sourceCacheMiB']);

/** Later layers win: defaults ← file ← environment ← flags. Throws a message naming the bad value. */
export function resolveConfig(layers: { readonly defaults: OriginConfig; readonly file?: Partial<Omit<OriginConfig, 'limits' | 'cacheControl'>> & { readonly limits?: Partial<Limits>; readonly cacheControl?: Partial<CacheControlConfig> } }, ...settings: Settings[]): OriginConfig {
  const merged: Settings = Object.assign({}, ...settings);
  const base: OriginConfig = {
    ...layers.defaults,
    ...layers.file,
    limits: { ...layers.defaults.limits, ...layers.file?.limits },
    cacheControl: { ...layers.defaults.cacheControl, ...layers.file?.cacheControl },
  };
  const limits: Limits = {
    ...base.limits,
    ...(merged.requestTimeoutMs !== undefined && { requestTimeoutMs: merged.requestTimeoutMs }),
    ...(merged.maxPixels !== undefined && { maxPixels: merged.maxPixels }),
    ...(merged.maxOutputPixels !== undefined && { maxOutputPixels: merged.maxOutputPixels }),
    ...(merged.maxSourceBytes !== undefined && { maxSourceBytes: merged.maxSourceBytes }),
    ...(merged.concurrency !== undefined && { concurrency: merged.concurrency }),
    ...(merged.queueSize !== undefined && { queueSize: merged.queueSize }),
    ...(merged.sourceCacheMiB !== undefined && { sourceCacheMiB: merged.sourceCacheMiB }),
  };
  for (const [name, value] of Object.entries(limits)) {
    const zeroAllowed = ZERO_ALLOWED_LIMITS.has(name);
    if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) {
      throw new Error(`limits.${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`);
    }
  }
  const port = merged.port ?? base.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be 0..65535, got ${JSON.stringify(port)}`);
  const loadBalancerIdleTimeoutMs = timeoutMs('loadBalancerIdleTimeoutMs', merged.loadBalancerIdleTimeoutMs ?? base.loadBalancerIdleTimeoutMs, MAX_LB_IDLE_TIMEOUT_MS);
  const headersTimeoutMs = timeoutMs('headersTimeoutMs', merged.headersTimeoutMs ?? base.headersTimeoutMs, MAX_HEADERS_TIMEOUT_MS);

  let mounts = base.mounts;
  if (merged.s3Bucket) {
    mounts = [{
      prefix: '/',
      source: {
        type: 's3',
        bucket: merged.s3Bucket,
        ...(merged.s3Prefix && { prefix: merged.s3Prefix }),
        ...(merged.s3ForcePathStyle !== undefined && { forcePathStyle: merged.s3ForcePathStyle }),
        ...(merged.s3VerifyDigest !== undefined && { verifyDigest: merged.s3VerifyDigest }),
      },
    }];
  } else if (merged.root) {
    mounts = [{ prefix: '/', source: { type: 'file', root: merged.root } }];
  }
  return {
    ...base,
    host: merged.host ?? base.host,
    port,
    loadBalancerIdleTimeoutMs,
    headersTimeoutMs,
    mounts,
    limits,
    accessLog: merged.accessLog ?? base.accessLog,
    versionPattern: merged.versionPattern ?? base.versionPattern,
    grammars: merged.grammars ?? base.grammars,
    imagekitEndpoint: merged.imagekitEndpoint ?? base.imagekitEndpoint,
    onlyVariants: merged.onlyVariants ?? base.onlyVariants,
    ...((merged.variants ?? base.variants) !== undefined && { variants: merged.variants ?? base.variants }),
    ...signing(base.signing, merged),
    ...svg(base.svg, merged),
    ...((merged.cacheTagHeader ?? base.cacheTagHeader) && { cacheTagHeader: merged.cacheTagHeader ?? base.cacheTagHeader }),
  };
}

/** An ALB's idle timeout is 1 to 4000 s. */
export const MAX_LB_IDLE_TIMEOUT_MS = 4_000_000;
/** Headers that take longer than 5 minutes are an attack, not a client. */
export const MAX_HEADERS_TIMEOUT_MS = 300_000;

function timeoutMs(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max} (ms), got ${Number.isNaN(value) ? 'not a number' : JSON.stringify(value)}`);
  return value;
}

/** Signing settings over the file's: keys and mode from flags/env replace the file's. */
function signing(file: SigningConfig | undefined, merged: Settings): { signing?: SigningConfig } {
  const keys = merged.signingKeys ?? file?.keys;
  if (!keys || keys.length === 0) {
    if (merged.signingMode) throw new Error(`signing mode "${merged.signingMode}" needs at least one signing key (--signing-key)`);
    return {};
  }
  return {
    signing: {
      keys,
      mode: merged.signingMode ?? file?.mode ?? 'required',
      exemptVariants: merged.signingExemptVariants ?? file?.exemptVariants ?? false,
    },
  };
}

/** SVG settings over the file's, each one on its own; nothing set anywhere leaves `svg` out (off). */
function svg(file: SvgConfig | undefined, merged: Settings): { svg?: SvgConfig } {
  if (file === undefined && merged.svg === undefined && merged.svgMaxBytes === undefined && merged.svgMaxElements === undefined) return {};
  const resolved: SvgConfig = {
    enabled: merged.svg ?? file?.enabled ?? DEFAULT_SVG.enabled,
    maxBytes: merged.svgMaxBytes ?? file?.maxBytes ?? DEFAULT_SVG.maxBytes,
    maxElements: merged.svgMaxElements ?? file?.maxElements ?? DEFAULT_SVG.maxElements,
  };
  for (const name of ['maxBytes', 'maxElements'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1) {
      throw new Error(`svg.${name} must be a positive integer, got ${JSON.stringify(resolved[name])}`);
    }
  }
  return { svg: resolved };
}

/** `IMAGE_CDN_VARIANTS` is a file path, or (starting with `{`) the JSON table inline, as containers prefer. */
function variantsFromEnv(value: string | undefined): string | Record<string, string> | undefined {
  if (!value?.trim().startsWith('{')) return value || undefined;
  try {
    return JSON.parse(value) as Record<string, string>;
  } catch (error) {
    throw new Error(`IMAGE_CDN_VARIANTS is not valid JSON: ${(error as Error).message}`);
  }
}
