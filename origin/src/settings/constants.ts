/**
 * The defaults and bounds the settings registry uses, on their own so that config.ts can re-export
 * them while it also re-exports modules built on the registry (no import cycle).
 */
import type { CacheControlConfig, EmfConfig, HttpSourceConfig, Limits, SvgConfig } from '../config.js';
import { EMF_DEFAULT_NAMESPACE } from '../observability/emf-catalogue.js';

export type GrammarName = 'cloudflare' | 'imgix' | 'cloudinary' | 'imagekit';
export const GRAMMAR_NAMES: readonly GrammarName[] = ['cloudflare', 'imgix', 'cloudinary', 'imagekit'];

export const DEFAULT_SVG: SvgConfig = { enabled: false, maxBytes: 256 * 1024, maxElements: 5_000 };

/** Metrics as CloudWatch embedded-metric-format lines: off unless asked (the CDK constructs turn them on). */
export const DEFAULT_EMF: EmfConfig = { enabled: false, namespace: EMF_DEFAULT_NAMESPACE, service: 'image-cdn', intervalMs: 10_000 };

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

/** Defaults for the parts of HttpSourceConfig a config file may leave out. */
export const DEFAULT_HTTP_SOURCE: Omit<HttpSourceConfig, 'allowHosts'> = { maxRedirects: 3, timeoutMs: 5_000 };

/** An ALB's idle timeout is 1 to 4000 s. */
export const MAX_LB_IDLE_TIMEOUT_MS = 4_000_000;
/** Headers that take longer than 5 minutes are an attack, not a client. */
export const MAX_HEADERS_TIMEOUT_MS = 300_000;
