/**
 * Every setting of the origin, declared once: its name, the flag of `image-cdn serve`, the
 * environment variable, the config-file key (a path into OriginConfig, which has the file's
 * shape), its kind, its default and one line for the docs. The flags, the environment reader,
 * the config file's validation, the container environment the CDK constructs write and the table
 * in docs/configuration.md are all made from this list.
 *
 * Loaded by the CDK constructs too (for the variable names): it imports nothing heavy.
 */
import os from 'node:os';
import { ALB_IDLE_TIMEOUT_MS, HEADERS_TIMEOUT_MS } from '../http/keep-alive.js';
import { EMF_SERVICE_DIMENSION } from '../observability/emf-catalogue.js';
import {
  DEFAULT_CACHE_CONTROL,
  DEFAULT_EMF,
  DEFAULT_HTTP_SOURCE,
  DEFAULT_LIMITS,
  DEFAULT_SVG,
  DEFAULT_VERSION_PATTERN,
  GRAMMAR_NAMES,
  MAX_HEADERS_TIMEOUT_MS,
  MAX_LB_IDLE_TIMEOUT_MS,
} from './constants.js';
import { integer, type Kind, list, oneOf, text, type ValueOf, variants, yesNo } from './kinds.js';

export interface Setting<T = unknown> {
  readonly kind: Kind<T>;
  /** One line for the docs table and `serve --help` (Markdown). */
  readonly doc: string;
  /** `serve`'s flag with its placeholder (`--port <n>`); a yes/no flag has none and gets a `--no-` form. */
  readonly flag?: string;
  readonly env?: string;
  /** Path in the config file, and in OriginConfig (`limits.maxPixels`). */
  readonly file?: string;
  /** A function when it depends on the machine. */
  readonly default?: T | (() => T);
  /** The docs' default column when the value alone would mislead. */
  readonly defaultDoc?: string;
  /** Configures the listening server, not the handler (createImageHandler does not take it). */
  readonly server?: true;
}

/** A setting whose default has its kind's type, keeping the literal names for the types below. */
const setting = <T, const S extends Omit<Setting<T>, 'kind'>>(kind: Kind<T>, rest: S): S & { readonly kind: Kind<T> } => ({ kind, ...rest });

/** S3's bucket naming rules, as far as a typo goes: 3-63 characters of a-z, 0-9, "." and "-". */
export const isS3BucketName = (name: string): boolean => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);

const bucketName = text({
  check: (name) => (isS3BucketName(name) ? undefined : `${JSON.stringify(name)} is not a valid S3 bucket name (3-63 characters: a-z, 0-9, "." and "-")`),
});

const cacheControlValue = text({
  expects: 'a non-empty Cache-Control value',
  // eslint-disable-next-line no-control-regex
  check: (value) => (/[\u0000-\u001f\u007f]/.test(value) ? 'must not contain control characters or line breaks' : undefined),
});

/** CloudWatch's rules for a namespace: 1-255 of these characters, not starting with ":", and never "AWS/" (AWS's own). */
const cloudWatchNamespace = text({
  expects: 'a CloudWatch namespace',
  check: (name) =>
    !/^[0-9A-Za-z._\-/#: ]{1,255}$/.test(name) || name.startsWith(':')
      ? 'must be 1-255 characters of A-Z, a-z, 0-9, ".", "-", "_", "/", "#", ":" and space, not starting with ":"'
      : name.startsWith('AWS/')
        ? 'must not start with "AWS/", which is reserved for AWS services'
        : undefined,
});

/** CloudWatch's rules for a dimension value: 1-1024 printable ASCII characters. */
const dimensionValue = text({
  expects: 'a CloudWatch dimension value',
  check: (value) => (/^[\x20-\x7e]{1,1024}$/.test(value) ? undefined : 'must be 1-1024 printable ASCII characters'),
});

/** Ordered as the docs table shows them; within a config-file object, as its errors list the keys. */
export const SETTINGS = {
  host: setting(text(), {
    flag: '--host <address>',
    env: 'HOST',
    file: 'host',
    server: true,
    default: '127.0.0.1',
    defaultDoc: '`127.0.0.1` (`serve`), `0.0.0.0` (container)',
    doc: 'address to bind',
  }),
  port: setting(integer(0, 65_535), {
    flag: '--port <n>',
    env: 'PORT',
    file: 'port',
    server: true,
    default: 3000,
    defaultDoc: '`3000`; `0` picks a free port',
    doc: 'port to listen on',
  }),
  loadBalancerIdleTimeoutMs: setting(integer(1, MAX_LB_IDLE_TIMEOUT_MS), {
    flag: '--lb-idle-timeout <ms>',
    env: 'IMAGE_CDN_LB_IDLE_TIMEOUT_MS',
    file: 'loadBalancerIdleTimeoutMs',
    server: true,
    default: ALB_IDLE_TIMEOUT_MS,
    defaultDoc: "`60000` (an ALB's default; the CDK constructs set it from `loadBalancerIdleTimeout`)",
    doc: 'idle timeout of the load balancer in front (ms); idle keep-alive connections are kept 5 s longer, so the load balancer closes them first',
  }),
  headersTimeoutMs: setting(integer(1, MAX_HEADERS_TIMEOUT_MS), {
    flag: '--headers-timeout <ms>',
    env: 'IMAGE_CDN_HEADERS_TIMEOUT_MS',
    file: 'headersTimeoutMs',
    server: true,
    default: HEADERS_TIMEOUT_MS,
    doc: "time to receive a request's headers (ms) → 408 and close",
  }),
  root: setting(text(), {
    flag: '--root <dir>',
    env: 'IMAGE_CDN_FILE_ROOT',
    defaultDoc: '`samples/` (`serve`, when no other source is given)',
    doc: 'file source root mounted at `/` (a config file has `mounts` instead)',
  }),
  s3Bucket: setting(bucketName, {
    flag: '--s3-bucket <name>',
    env: 'IMAGE_CDN_S3_BUCKET',
    doc: 'S3 bucket mounted at `/`, instead of a file root',
  }),
  s3Prefix: setting(text({ emptyIsValue: true }), {
    flag: '--s3-prefix <prefix>',
    env: 'IMAGE_CDN_S3_PREFIX',
    doc: 'key prefix inside the bucket',
  }),
  s3ForcePathStyle: setting(yesNo, {
    flag: '--s3-force-path-style',
    env: 'IMAGE_CDN_S3_FORCE_PATH_STYLE',
    default: false,
    doc: 'path-style S3 URLs (for S3-compatible servers)',
  }),
  s3VerifyDigest: setting(yesNo, {
    flag: '--s3-verify-digest',
    env: 'IMAGE_CDN_S3_VERIFY_DIGEST',
    default: false,
    doc: 'hash content-addressed objects on read; 502 on mismatch',
  }),
  maxPixels: setting(integer(1), {
    flag: '--max-pixels <n>',
    env: 'IMAGE_CDN_MAX_PIXELS',
    file: 'limits.maxPixels',
    default: DEFAULT_LIMITS.maxPixels,
    doc: 'largest source, width × height × frames → 413',
  }),
  maxSourceBytes: setting(integer(1), {
    flag: '--max-source-bytes <n>',
    env: 'IMAGE_CDN_MAX_SOURCE_BYTES',
    file: 'limits.maxSourceBytes',
    default: DEFAULT_LIMITS.maxSourceBytes,
    defaultDoc: '`52428800` (50 MiB)',
    doc: 'largest source in bytes → 413',
  }),
  maxOutputDimension: setting(integer(1), {
    file: 'limits.maxOutputDimension',
    default: DEFAULT_LIMITS.maxOutputDimension,
    doc: "largest output width or height (Cloudflare's 12,000 px) → 400 `output_too_large`",
  }),
  maxOutputPixels: setting(integer(1), {
    flag: '--max-output-pixels <n>',
    env: 'IMAGE_CDN_MAX_OUTPUT_PIXELS',
    file: 'limits.maxOutputPixels',
    default: DEFAULT_LIMITS.maxOutputPixels,
    doc: 'largest output, width × height × frames, after resize, pad and border → 400 `output_too_large`',
  }),
  maxResponseBytes: setting(integer(1), {
    flag: '--max-response-bytes <n>',
    env: 'IMAGE_CDN_MAX_RESPONSE_BYTES',
    file: 'limits.maxResponseBytes',
    defaultDoc: 'none (the Lambda origin sets its streamed-response limit)',
    doc: "largest response body in bytes, a transform's output or an original → 413 `response_too_large`",
  }),
  requestTimeoutMs: setting(integer(1), {
    flag: '--request-timeout <ms>',
    env: 'IMAGE_CDN_REQUEST_TIMEOUT_MS',
    file: 'limits.requestTimeoutMs',
    default: DEFAULT_LIMITS.requestTimeoutMs,
    doc: 'request deadline (ms) → 504',
  }),
  concurrency: setting(integer(1), {
    flag: '--concurrency <n>',
    env: 'IMAGE_CDN_CONCURRENCY',
    file: 'limits.concurrency',
    default: () => os.availableParallelism(),
    defaultDoc: 'one per core',
    doc: 'transforms at once',
  }),
  queueSize: setting(integer(0), {
    flag: '--queue-size <n>',
    env: 'IMAGE_CDN_QUEUE_SIZE',
    file: 'limits.queueSize',
    default: DEFAULT_LIMITS.queueSize,
    doc: 'transforms waiting before 503',
  }),
  sourceCacheMiB: setting(integer(0), {
    flag: '--source-cache-mb <n>',
    env: 'IMAGE_CDN_SOURCE_CACHE_MB',
    file: 'limits.sourceCacheMiB',
    default: DEFAULT_LIMITS.sourceCacheMiB,
    doc: 'memory for decoded sources shared by transforms of one source (MiB; `0` keeps none)',
  }),
  sourceLevels: setting(yesNo, {
    flag: '--source-levels',
    env: 'IMAGE_CDN_SOURCE_LEVELS',
    file: 'limits.sourceLevels',
    default: DEFAULT_LIMITS.sourceLevels,
    defaultDoc: '`true` (`false` in the Lambda origin)',
    doc: 'downscales start from a decoded level of their source, shared by its renditions; off, each rendition decodes alone in one pipeline (changes every ETag; [architecture.md](architecture.md#decoded-sources-one-decode-per-source-not-per-url))',
  }),
  cacheControlDefault: setting(cacheControlValue, {
    file: 'cacheControl.default',
    default: DEFAULT_CACHE_CONTROL.default,
    doc: "Cache-Control of a successful answer (a mount's `cacheControl` and object metadata win)",
  }),
  cacheControlImmutable: setting(cacheControlValue, {
    file: 'cacheControl.immutable',
    default: DEFAULT_CACHE_CONTROL.immutable,
    doc: 'Cache-Control of a successful answer from a content-addressed source',
  }),
  cacheControlClientError: setting(cacheControlValue, {
    file: 'cacheControl.clientError',
    default: DEFAULT_CACHE_CONTROL.clientError,
    doc: 'Cache-Control of a 4xx answer (and of a redirect to the source)',
  }),
  cacheControlServerError: setting(cacheControlValue, {
    file: 'cacheControl.serverError',
    default: DEFAULT_CACHE_CONTROL.serverError,
    doc: 'Cache-Control of a 5xx answer',
  }),
  accessLog: setting(yesNo, {
    flag: '--access-log',
    env: 'IMAGE_CDN_ACCESS_LOG',
    file: 'accessLog',
    default: true,
    doc: 'JSON access log lines on stdout',
  }),
  emf: setting(yesNo, {
    flag: '--emf',
    env: 'IMAGE_CDN_EMF',
    file: 'emf.enabled',
    default: DEFAULT_EMF.enabled,
    defaultDoc: '`false` (the CDK constructs turn it on)',
    doc: 'metrics as CloudWatch embedded-metric-format lines on stdout, batched ([architecture.md](architecture.md#metrics-in-cloudwatch-emf))',
  }),
  emfNamespace: setting(cloudWatchNamespace, {
    flag: '--emf-namespace <name>',
    env: 'IMAGE_CDN_EMF_NAMESPACE',
    file: 'emf.namespace',
    default: DEFAULT_EMF.namespace,
    doc: 'CloudWatch namespace of the EMF metrics',
  }),
  emfService: setting(dimensionValue, {
    flag: '--emf-service <name>',
    env: 'IMAGE_CDN_EMF_SERVICE',
    file: 'emf.service',
    default: DEFAULT_EMF.service,
    doc: `value of the \`${EMF_SERVICE_DIMENSION}\` dimension every EMF metric carries: one per deployment`,
  }),
  emfIntervalMs: setting(integer(1_000, 60_000), {
    flag: '--emf-interval <ms>',
    env: 'IMAGE_CDN_EMF_INTERVAL_MS',
    file: 'emf.intervalMs',
    default: DEFAULT_EMF.intervalMs,
    doc: 'how often EMF lines are written (ms): at most one line per metric set per interval, none when nothing changed',
  }),
  playground: setting(yesNo, {
    flag: '--playground',
    env: 'IMAGE_CDN_PLAYGROUND',
    file: 'playground',
    default: false,
    defaultDoc: '`true` (`serve`, unless signing is `required`), `false` (container, handler)',
    doc: 'the playground page at `/`: pick a source, set options, see the URL, the image, its bytes and headers ([playground.md](playground.md))',
  }),
  versionPattern: setting(text({ emptyIsValue: true }), {
    flag: '--version-pattern <regex>',
    env: 'IMAGE_CDN_VERSION_PATTERN',
    file: 'versionPattern',
    default: DEFAULT_VERSION_PATTERN,
    doc: 'cache-busting path segment the origin ignores (starts with `^/`, ends with `/`; empty turns it off)',
  }),
  cacheTagHeader: setting(text(), {
    flag: '--cache-tag-header <name>',
    env: 'IMAGE_CDN_CACHE_TAG_HEADER',
    file: 'cacheTagHeader',
    doc: 'response header carrying the source identity, for purges by tag (e.g. `Cache-Tag`)',
  }),
  grammars: setting(list(oneOf(GRAMMAR_NAMES, 'grammar'), { unique: true, nonEmpty: true }), {
    flag: '--grammars <list>',
    env: 'IMAGE_CDN_GRAMMARS',
    file: 'grammars',
    default: ['cloudflare'],
    doc: 'URL grammars the origin reads, comma-separated: `cloudflare`, `imgix`, `cloudinary`, `imagekit`',
  }),
  imagekitEndpoint: setting(text(), {
    flag: '--imagekit-endpoint <prefix>',
    env: 'IMAGE_CDN_IMAGEKIT_ENDPOINT',
    file: 'imagekitEndpoint',
    default: '/',
    doc: 'ImageKit URL endpoint prefix (`/<imagekit_id>/`, or `/` on a custom domain)',
  }),
  variants: setting(variants, {
    flag: '--variants <file>',
    env: 'IMAGE_CDN_VARIANTS',
    file: 'variants',
    doc: 'named variants: a JSON file, or the table itself (`{"thumb": "width=120,height=120,fit=cover"}`)',
  }),
  onlyVariants: setting(yesNo, {
    flag: '--only-variants',
    env: 'IMAGE_CDN_ONLY_VARIANTS',
    file: 'onlyVariants',
    default: false,
    doc: 'serve variants (and originals) only; refuse ad-hoc transforms',
  }),
  signingKeys: setting(list(text()), {
    flag: '--signing-key <key>',
    env: 'IMAGE_CDN_SIGNING_KEYS',
    file: 'signing.keys',
    doc: 'HMAC keys for signed URLs, comma-separated (or the flag repeated): the first signs, all verify',
  }),
  signingMode: setting(oneOf(['required', 'optional']), {
    flag: '--signing <mode>',
    env: 'IMAGE_CDN_SIGNING',
    file: 'signing.mode',
    default: 'required',
    doc: 'with signing keys: `required` (every request is signed) or `optional` (a signature given must be valid)',
  }),
  signingExemptVariants: setting(yesNo, {
    flag: '--signing-exempt-variants',
    env: 'IMAGE_CDN_SIGNING_EXEMPT_VARIANTS',
    file: 'signing.exemptVariants',
    default: false,
    doc: 'let unsigned variant requests through in `required` mode',
  }),
  svg: setting(yesNo, {
    flag: '--svg',
    env: 'IMAGE_CDN_SVG',
    file: 'svg.enabled',
    default: DEFAULT_SVG.enabled,
    doc: 'accept SVG sources, rasterised under limits ([url-grammar.md](url-grammar.md#svg-sources))',
  }),
  svgMaxBytes: setting(integer(1), {
    flag: '--svg-max-bytes <n>',
    env: 'IMAGE_CDN_SVG_MAX_BYTES',
    file: 'svg.maxBytes',
    default: DEFAULT_SVG.maxBytes,
    defaultDoc: '`262144` (256 KiB)',
    doc: 'largest SVG source (bytes) → 413',
  }),
  svgMaxElements: setting(integer(1), {
    flag: '--svg-max-elements <n>',
    env: 'IMAGE_CDN_SVG_MAX_ELEMENTS',
    file: 'svg.maxElements',
    default: DEFAULT_SVG.maxElements,
    doc: 'most SVG elements, references expanded → 413',
  }),
  httpSourceMaxRedirects: setting(integer(0, 20), {
    file: 'httpSource.maxRedirects',
    default: DEFAULT_HTTP_SOURCE.maxRedirects,
    doc: 'redirects an HTTP source follows (`httpSource.allowHosts` turns HTTP sources on)',
  }),
  httpSourceTimeoutMs: setting(integer(1, 600_000), {
    file: 'httpSource.timeoutMs',
    default: DEFAULT_HTTP_SOURCE.timeoutMs,
    doc: 'deadline of one request to an HTTP source (ms)',
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** Flat values, one per setting: what each layer (flags, environment) reads. */
export type Settings = { readonly [K in SettingName]?: ValueOf<(typeof SETTINGS)[K]['kind']> };

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export const settingOf = (name: SettingName): Setting => SETTINGS[name];

export function defaultOf(name: SettingName): unknown {
  const { default: value } = settingOf(name);
  return typeof value === 'function' ? (value as () => unknown)() : value;
}

/** The environment variable a setting is read from (the constructs write the container's with it). */
export type EnvSettingName = { [K in SettingName]: (typeof SETTINGS)[K] extends { env: string } ? K : never }[SettingName];
export const envVar = <K extends EnvSettingName>(name: K): (typeof SETTINGS)[K]['env'] => SETTINGS[name].env;

/**
 * Config-file objects that group settings. An optional group stays out of OriginConfig until a
 * layer sets part of it; then its other members take their defaults, and one without a default
 * is required (`signing.keys`).
 */
export const GROUPS: Readonly<Record<string, { readonly optional: boolean }>> = {
  limits: { optional: false },
  cacheControl: { optional: false },
  svg: { optional: true },
  signing: { optional: true },
  httpSource: { optional: true },
  emf: { optional: true },
};

type TopKey<P> = P extends `${infer Head}.${string}` ? Head : P;

/** createImageHandler's option for each setting that configures the handler: its top config-file key, or its own name. */
export type HandlerSettingKey = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { server: true } ? never : (typeof SETTINGS)[K] extends { file: infer P } ? TopKey<P> : K;
}[SettingName];
