/**
 * The defaults and bounds the settings registry uses, on their own so that config.ts can re-export
 * them while it also re-exports modules built on the registry (no import cycle).
 */
import type { CacheControlConfig, EmfConfig, HttpSourceConfig, SvgConfig } from '../config-types.js';
import { DEFAULT_SVG_LIMITS } from '../limits.js';
import { EMF_DEFAULT_NAMESPACE } from '../observability/emf-catalogue.js';

export { GRAMMAR_NAMES, type GrammarName } from '../grammar/names.js';
export { DEFAULT_LIMITS } from '../limits.js';

export const DEFAULT_SVG: SvgConfig = { enabled: false, ...DEFAULT_SVG_LIMITS };

/** Metrics as CloudWatch embedded-metric-format lines: off unless asked (the CDK constructs turn them on). */
export const DEFAULT_EMF: EmfConfig = { enabled: false, namespace: EMF_DEFAULT_NAMESPACE, service: 'image-cdn', intervalMs: 10_000 };

export const DEFAULT_VERSION_PATTERN = '^/v[0-9]{1,6}/';

export const DEFAULT_CACHE_CONTROL: CacheControlConfig = {
  default: 'public, max-age=3600, stale-while-revalidate=86400',
  immutable: 'public, max-age=31536000, immutable',
  clientError: 'public, max-age=60',
  serverError: 'no-store',
};

/** Defaults for the parts of HttpSourceConfig a config file may leave out. */
export const DEFAULT_HTTP_SOURCE: Omit<HttpSourceConfig, 'allowHosts'> = { maxRedirects: 3, timeoutMs: 5_000 };

/** An ALB's idle timeout is 1 to 4000 s. */
export const MAX_LB_IDLE_TIMEOUT_MS = 4_000_000;
/** Headers that take longer than 5 minutes are an attack, not a client. */
export const MAX_HEADERS_TIMEOUT_MS = 300_000;
