import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigFileError, parseConfigFile } from './config-file.js';
import {
  dropUndefined,
  resolveConfig,
  type CacheControlConfig,
  type EmfConfig,
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
import { readOrExplain } from './settings/errors.js';
import { groupOf } from './settings/paths.js';
import { type HandlerSettingKey, SETTING_NAMES, settingOf, type SettingName, type Settings } from './settings/registry.js';

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
  /** The playground page at `/` (default false; see docs/playground.md). */
  readonly playground?: boolean;
  /** SVG sources (off unless `enabled`). */
  readonly svg?: Partial<SvgConfig>;
  /**
   * Metrics as CloudWatch embedded-metric-format lines on stdout (off unless `enabled`):
   * `namespace`, `service` (the `Service` dimension) and `intervalMs` between batches.
   */
  readonly emf?: Partial<EmfConfig>;
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

/** The registry's settings by the key an option or config file has for them (`limits` for `limits.maxPixels`). */
function topKeys(names: readonly SettingName[]): string[] {
  const keys = names.map((name) => {
    const file = settingOf(name).file;
    return file === undefined ? name : (groupOf(file) ?? file);
  });
  return [...new Set(keys)];
}

/** Settings of the listening server: a handler listens on nothing. */
const SERVER_KEYS = topKeys(SETTING_NAMES.filter((name) => settingOf(name).server));
/** The CLI's one-source shortcuts: settings the config file has as `mounts`. */
const SOURCE_SHORTCUTS = SETTING_NAMES.filter((name) => settingOf(name).file === undefined && !settingOf(name).server);
const CONFIG_KEYS = [...topKeys(SETTING_NAMES.filter((name) => settingOf(name).file !== undefined && !settingOf(name).server)), 'mounts'];
const EMBEDDER_KEYS = ['logger', 'processMetrics'] as const;
const KNOWN_OPTIONS: readonly string[] = [...SOURCE_SHORTCUTS, ...CONFIG_KEYS, ...EMBEDDER_KEYS];
// Compile-time: the options type and the registry name the same options, so none is refused or unchecked.
type OptionName = HandlerSettingKey | 'mounts' | (typeof EMBEDDER_KEYS)[number];
const noUnknownOption: [Exclude<keyof ImageHandlerOptions, OptionName>] extends [never] ? true : never = true;
const noMissingOption: [Exclude<OptionName, keyof ImageHandlerOptions>] extends [never] ? true : never = true;
void noUnknownOption;
void noMissingOption;

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
    if (SERVER_KEYS.includes(key)) fail(`${key} is not an option: the handler listens on nothing; give it to your server`);
    fail(`${key} is not a known option; expected one of: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const { logger, processMetrics, ...settings } = options as ImageHandlerOptions & Record<string, unknown>;
  const shortcuts = Object.fromEntries(SOURCE_SHORTCUTS.flatMap((name) => (settings[name] === undefined ? [] : [[name, settings[name]]])));
  const fileKeys = Object.fromEntries(Object.entries(settings).filter(([key]) => !(SOURCE_SHORTCUTS as string[]).includes(key)));
  // The config file's validation, so an option fails exactly as the same key in a config file would.
  const file = parseConfigFile(dropUndefined(fileKeys), { file: LABEL, baseDir: process.cwd() });
  if (file.versionPattern) compileVersionPattern(file.versionPattern);
  if (logger !== undefined && logger !== false && !isLogger(logger)) fail('logger must be false or have info, warn and error methods (a pino logger)');
  if (processMetrics !== undefined && typeof processMetrics !== 'boolean') fail(`processMetrics must be true or false, got ${show(processMetrics)}`);

  const config = resolveConfig({ defaults: defaultConfig(), file }, sourceShortcuts(shortcuts, file.mounts));
  return { config, ...(logger !== undefined && { logger }), processMetrics: processMetrics ?? false };
}

/** Exactly one source: a file root, an S3 bucket, or a mount table; the shortcuts become mounts in resolveConfig. */
function sourceShortcuts(shortcuts: Readonly<Record<string, unknown>>, mounts: readonly MountConfig[] | undefined): Settings {
  const given = [shortcuts['root'] !== undefined && 'root', shortcuts['s3Bucket'] !== undefined && 's3Bucket', mounts !== undefined && 'mounts'].filter(
    Boolean,
  );
  if (given.length > 1) fail(`give one image source, not ${given.join(' and ')}`);
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(shortcuts)) {
    if (name !== 'root' && name !== 's3Bucket' && shortcuts['s3Bucket'] === undefined) fail(`${name} needs s3Bucket`);
    settings[name] = readOrExplain(
      name,
      () => settingOf(name as SettingName).kind.fromJson(value),
      (message) => new ImageHandlerOptionsError(message),
    );
  }
  if (shortcuts['root'] === undefined && shortcuts['s3Bucket'] === undefined && !mounts?.length) fail('no image source: give root, s3Bucket or mounts');
  if (settings['root'] !== undefined) settings['root'] = directory(settings['root'] as string);
  return settings;
}

function directory(root: string): string {
  const absolute = path.resolve(root);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    // Missing or unreadable: reported below like a file.
  }
  if (!isDirectory) fail(`root ${JSON.stringify(absolute)} is not a directory`);
  return absolute;
}

const isLogger = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && ['info', 'warn', 'error'].every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const show = (value: unknown) => (value === undefined ? 'nothing' : typeof value === 'function' ? 'a function' : JSON.stringify(value));

function fail(message: string): never {
  throw new ImageHandlerOptionsError(message);
}
