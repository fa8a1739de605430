import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigFileError, isS3BucketName, parseConfigFile } from './config-file.js';
import {
  dropUndefined,
  resolveConfig,
  type CacheControlConfig,
  type GrammarName,
  type HttpSourceConfig,
  type Limits,
  type MountConfig,
  type OriginConfig,
  type SigningConfig,
  type SvgConfig,
} from './config.js';
import { defaultConfig } from './defaults.js';
import { compileVersionPattern } from './http/handler.js';
import type { OriginLogger } from './http/image-origin.js';

/**
 * What createImageHandler takes: the config file's keys (docs/sources.md), with the same
 * meaning and defaults, except `host` and `port` (a handler listens on nothing; your server
 * does); the CLI's one-source shortcuts; and two things only an embedding app decides.
 */
export interface ImageHandlerOptions {
  /** Serve the files under this directory at `/`. Give one of `root`, `s3Bucket` or `mounts`. */
  readonly root?: string;
  /** Serve this S3 bucket's objects at `/` (needs the optional peer `@aws-sdk/client-s3`). */
  readonly s3Bucket?: string;
  /** Key prefix inside `s3Bucket`, e.g. `uploads/`. */
  readonly s3Prefix?: string;
  /** Path-style S3 URLs, which most S3-compatible servers need. */
  readonly s3ForcePathStyle?: boolean;
  /** Hash content-addressed objects on read; 502 on mismatch. */
  readonly s3VerifyDigest?: boolean;
  /** Path prefixes to sources, longest prefix first (`/uploads/` → S3, `/` → files). */
  readonly mounts?: readonly MountConfig[];
  /** Absolute `http(s)://` sources, for the hosts on `allowHosts` only. */
  readonly httpSource?: Pick<HttpSourceConfig, 'allowHosts'> & Partial<HttpSourceConfig>;
  readonly limits?: Partial<Limits>;
  readonly cacheControl?: Partial<CacheControlConfig>;
  /** Access-log lines, one per answer (default true). */
  readonly accessLog?: boolean;
  /** Cache-busting segment before the path, ignored (default `^/v[0-9]{1,6}/`; empty turns it off). */
  readonly versionPattern?: string;
  /** Response header naming the source, for purges by tag (e.g. `Cache-Tag`). */
  readonly cacheTagHeader?: string;
  /** URL grammars to read (default `['cloudflare']`). */
  readonly grammars?: readonly GrammarName[];
  /** ImageKit URL endpoint prefix (default `/`). */
  readonly imagekitEndpoint?: string;
  /** Named variants: a JSON file path, or the table itself (name → Cloudflare option string). */
  readonly variants?: string | Readonly<Record<string, string>>;
  /** Refuse ad-hoc transforms; serve variants and originals only. */
  readonly onlyVariants?: boolean;
  /** Signed URLs: `keys` (the first signs, all verify), `mode` (default `required`), `exemptVariants`. */
  readonly signing?: Pick<SigningConfig, 'keys'> & Partial<SigningConfig>;
  /** SVG sources (off unless `enabled`). */
  readonly svg?: Partial<SvgConfig>;
  /**
   * Where access-log lines and unexpected errors go: a pino logger or alike. `false`: no access
   * log. Default: JSON lines on stdout.
   */
  readonly logger?: OriginLogger | false;
  /**
   * Also report this process (CPU, memory, event loop, GC) as `image_cdn_*` metrics. Off by
   * default: the process is the host app's to describe, and these collectors cannot be stopped.
   */
  readonly processMetrics?: boolean;
}

export interface ResolvedHandlerOptions {
  readonly config: OriginConfig;
  readonly logger?: OriginLogger | false;
  readonly processMetrics: boolean;
}

/** An option createImageHandler cannot use: the message names the option and its value. */
export class ImageHandlerOptionsError extends Error {
  override readonly name = 'ImageHandlerOptionsError';
}

/** What the config file's validation calls the options in its messages (then cut off). */
const LABEL = 'options';

const SOURCE_SHORTCUTS = ['root', 's3Bucket', 's3Prefix', 's3ForcePathStyle', 's3VerifyDigest'] as const;
const CONFIG_KEYS = [
  'mounts', 'httpSource', 'limits', 'cacheControl', 'accessLog', 'versionPattern', 'cacheTagHeader',
  'grammars', 'imagekitEndpoint', 'variants', 'onlyVariants', 'signing', 'svg',
] as const;
const EMBEDDER_KEYS = ['logger', 'processMetrics'] as const;
const KNOWN_OPTIONS: readonly string[] = [...SOURCE_SHORTCUTS, ...CONFIG_KEYS, ...EMBEDDER_KEYS];
// Compile-time: an option added to the type but not to the lists above would be refused at run time.
type UncheckedOption = Exclude<keyof ImageHandlerOptions, (typeof SOURCE_SHORTCUTS | typeof CONFIG_KEYS | typeof EMBEDDER_KEYS)[number]>;
const everyOptionChecked: [UncheckedOption] extends [never] ? true : never = true;
void everyOptionChecked;

/** The configuration the options describe, over the origin's defaults. Throws ImageHandlerOptionsError naming the bad option and value. */
export function resolveHandlerOptions(options: ImageHandlerOptions): ResolvedHandlerOptions {
  try {
    return resolve(options);
  } catch (error) {
    if (error instanceof ImageHandlerOptionsError) throw error;
    // The config file's checks (the same keys, the same rules) report as the file; here they are options.
    const message = (error as Error).message;
    throw new ImageHandlerOptionsError(error instanceof ConfigFileError && message.startsWith(`${LABEL}: `) ? message.slice(LABEL.length + 2) : message);
  }
}

function resolve(options: ImageHandlerOptions): ResolvedHandlerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(`options must be an object, got ${show(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || KNOWN_OPTIONS.includes(key)) continue;
    if (key === 'host' || key === 'port') fail(`${key} is not an option: the handler listens on nothing; give it to your server`);
    fail(`${key} is not a known option; expected one of: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const { root, s3Bucket, s3Prefix, s3ForcePathStyle, s3VerifyDigest, logger, processMetrics, versionPattern, ...fileKeys } = options;
  // The config file's validation, so an option fails exactly as the same key in a config file would.
  const file = parseConfigFile(dropUndefined(fileKeys), { file: LABEL, baseDir: process.cwd() });
  // Unlike the file, an empty pattern is allowed here: it turns version segments off (as the CLI's flag does).
  if (versionPattern !== undefined && typeof versionPattern !== 'string') fail(`versionPattern must be a string, got ${show(versionPattern)}`);
  if (versionPattern) compileVersionPattern(versionPattern);
  if (logger !== undefined && logger !== false && !isLogger(logger)) fail('logger must be false or have info, warn and error methods (a pino logger)');
  if (processMetrics !== undefined && typeof processMetrics !== 'boolean') fail(`processMetrics must be true or false, got ${show(processMetrics)}`);

  const mounts = sourceMounts({ root, s3Bucket, s3Prefix, s3ForcePathStyle, s3VerifyDigest }, file.mounts);
  const config = resolveConfig({ defaults: defaultConfig(), file: { ...file, mounts } }, dropUndefined({ versionPattern }));
  return { config, ...(logger !== undefined && { logger }), processMetrics: processMetrics ?? false };
}

type Shortcuts = Pick<ImageHandlerOptions, (typeof SOURCE_SHORTCUTS)[number]>;

/** Exactly one source: a file root, an S3 bucket, or a mount table. */
function sourceMounts(shortcuts: Shortcuts, mounts: readonly MountConfig[] | undefined): readonly MountConfig[] {
  const given = [shortcuts.root !== undefined && 'root', shortcuts.s3Bucket !== undefined && 's3Bucket', mounts !== undefined && 'mounts'].filter(Boolean);
  if (given.length > 1) fail(`give one image source, not ${given.join(' and ')}`);
  for (const name of ['s3Prefix', 's3ForcePathStyle', 's3VerifyDigest'] as const) {
    if (shortcuts[name] !== undefined && shortcuts.s3Bucket === undefined) fail(`${name} needs s3Bucket`);
  }
  if (shortcuts.root !== undefined) return [{ prefix: '/', source: { type: 'file', root: directory(shortcuts.root) } }];
  if (shortcuts.s3Bucket !== undefined) return [s3Mount(shortcuts)];
  if (mounts === undefined || mounts.length === 0) fail('no image source: give root, s3Bucket or mounts');
  return mounts!;
}

function directory(root: unknown): string {
  if (typeof root !== 'string' || root === '') fail(`root must be a directory path, got ${show(root)}`);
  const absolute = path.resolve(root as string);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // Missing or unreadable: reported below like a file.
  }
  if (!isDirectory) fail(`root ${JSON.stringify(absolute)} is not a directory`);
  return absolute;
}

function s3Mount({ s3Bucket, s3Prefix, s3ForcePathStyle, s3VerifyDigest }: Shortcuts): MountConfig {
  if (typeof s3Bucket !== 'string' || !isS3BucketName(s3Bucket)) {
    fail(`s3Bucket ${show(s3Bucket)} is not a valid S3 bucket name (3-63 characters: a-z, 0-9, "." and "-")`);
  }
  if (s3Prefix !== undefined && typeof s3Prefix !== 'string') fail(`s3Prefix must be a string, got ${show(s3Prefix)}`);
  for (const [name, value] of [['s3ForcePathStyle', s3ForcePathStyle], ['s3VerifyDigest', s3VerifyDigest]] as const) {
    if (value !== undefined && typeof value !== 'boolean') fail(`${name} must be true or false, got ${show(value)}`);
  }
  return {
    prefix: '/',
    source: {
      type: 's3',
      bucket: s3Bucket!,
      ...(s3Prefix && { prefix: s3Prefix }),
      ...(s3ForcePathStyle !== undefined && { forcePathStyle: s3ForcePathStyle }),
      ...(s3VerifyDigest !== undefined && { verifyDigest: s3VerifyDigest }),
    },
  };
}

const isLogger = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && ['info', 'warn', 'error'].every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const show = (value: unknown) => (value === undefined ? 'nothing' : typeof value === 'function' ? 'a function' : JSON.stringify(value));

function fail(message: string): never {
  throw new ImageHandlerOptionsError(message);
}
