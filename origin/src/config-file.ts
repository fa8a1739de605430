import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SVG, MAX_HEADERS_TIMEOUT_MS, MAX_LB_IDLE_TIMEOUT_MS, parseGrammarList, ZERO_ALLOWED_LIMITS, type CacheControlConfig, type HttpSourceConfig, type Limits, type MountConfig, type OriginConfig, type SourceConfig } from './config.js';
import { compilePattern } from './sources/content-address.js';
import { invalidHostEntry } from './sources/host-allow-list.js';
import { DEFAULT_HTTP_SOURCE } from './sources/http.js';
import { normaliseMountPrefix } from './sources/mounts.js';

/**
 * The `--config FILE` format: plain JSON, every key optional, unknown keys refused (a typo must
 * not silently fall back to a default). See docs/sources.md for the format.
 *
 * `limits` and `cacheControl` hold only the keys the file sets; resolveConfig merges them over
 * the defaults. Relative file roots are relative to the config file's directory.
 */
export type ConfigFileContents = Partial<Omit<OriginConfig, 'limits' | 'cacheControl'>> & {
  readonly limits?: Partial<Limits>;
  readonly cacheControl?: Partial<CacheControlConfig>;
};

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

export function loadConfigFile(file: string): ConfigFileContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfigFile(json, { file, baseDir: path.dirname(path.resolve(file)) });
}

/** Validates already-parsed JSON; `file` names it in errors, `baseDir` anchors relative roots. */
export function parseConfigFile(json: unknown, { file, baseDir }: { readonly file: string; readonly baseDir: string }): ConfigFileContents {
  const fail = (at: string, problem: string): never => {
    throw new ConfigFileError(`${file}: ${at} ${problem}`);
  };
  const v = validators(fail);

  const top = v.object(json, 'the top level', [
    '$schema', 'host', 'port', 'loadBalancerIdleTimeoutMs', 'headersTimeoutMs', 'mounts', 'httpSource', 'limits', 'cacheControl', 'accessLog',
    'versionPattern', 'cacheTagHeader', 'grammars', 'imagekitEndpoint', 'variants', 'onlyVariants', 'signing', 'svg',
  ]);
  const result: { -readonly [K in keyof ConfigFileContents]: ConfigFileContents[K] } = {};
  if (top['host'] !== undefined) result.host = v.string(top['host'], 'host');
  if (top['port'] !== undefined) result.port = v.integer(top['port'], 'port', 0, 65_535);
  if (top['loadBalancerIdleTimeoutMs'] !== undefined) {
    result.loadBalancerIdleTimeoutMs = v.integer(top['loadBalancerIdleTimeoutMs'], 'loadBalancerIdleTimeoutMs', 1, MAX_LB_IDLE_TIMEOUT_MS);
  }
  if (top['headersTimeoutMs'] !== undefined) result.headersTimeoutMs = v.integer(top['headersTimeoutMs'], 'headersTimeoutMs', 1, MAX_HEADERS_TIMEOUT_MS);
  if (top['accessLog'] !== undefined) result.accessLog = v.boolean(top['accessLog'], 'accessLog');
  if (top['versionPattern'] !== undefined) result.versionPattern = v.string(top['versionPattern'], 'versionPattern');
  if (top['cacheTagHeader'] !== undefined) result.cacheTagHeader = v.string(top['cacheTagHeader'], 'cacheTagHeader');
  if (top['imagekitEndpoint'] !== undefined) result.imagekitEndpoint = v.string(top['imagekitEndpoint'], 'imagekitEndpoint');
  if (top['onlyVariants'] !== undefined) result.onlyVariants = v.boolean(top['onlyVariants'], 'onlyVariants');
  if (top['grammars'] !== undefined) {
    const names = v.array(top['grammars'], 'grammars').map((entry, index) => v.string(entry, `grammars[${index}]`));
    try {
      result.grammars = parseGrammarList(names.join(','));
    } catch (error) {
      fail('grammars', (error as Error).message);
    }
  }
  if (top['variants'] !== undefined) {
    const variants = top['variants'];
    // A path is relative to the config file; an object is the table itself (validated at start).
    if (typeof variants === 'string') result.variants = path.resolve(baseDir, variants);
    else {
      if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) {
        fail('variants', 'must be a file path or an object mapping variant names to option strings');
      }
      const table = variants as Record<string, unknown>;
      result.variants = Object.fromEntries(Object.keys(table).map((name) => [name, v.string(table[name], `variants.${name}`)]));
    }
  }
  if (top['svg'] !== undefined) {
    const svg = v.object(top['svg'], 'svg', ['enabled', 'maxBytes', 'maxElements']);
    result.svg = {
      enabled: svg['enabled'] === undefined ? DEFAULT_SVG.enabled : v.boolean(svg['enabled'], 'svg.enabled'),
      maxBytes: svg['maxBytes'] === undefined ? DEFAULT_SVG.maxBytes : v.integer(svg['maxBytes'], 'svg.maxBytes', 1, Number.MAX_SAFE_INTEGER),
      maxElements: svg['maxElements'] === undefined ? DEFAULT_SVG.maxElements : v.integer(svg['maxElements'], 'svg.maxElements', 1, Number.MAX_SAFE_INTEGER),
    };
  }
  if (top['signing'] !== undefined) {
    const signing = v.object(top['signing'], 'signing', ['keys', 'mode', 'exemptVariants']);
    const keys = v.array(signing['keys'], 'signing.keys').map((entry, index) => v.string(entry, `signing.keys[${index}]`));
    const mode = signing['mode'] === undefined ? 'required' : v.string(signing['mode'], 'signing.mode');
    if (mode !== 'required' && mode !== 'optional') fail('signing.mode', `must be "required" or "optional", got ${JSON.stringify(mode)}`);
    result.signing = {
      keys,
      mode: mode as 'required' | 'optional',
      exemptVariants: signing['exemptVariants'] === undefined ? false : v.boolean(signing['exemptVariants'], 'signing.exemptVariants'),
    };
  }

  if (top['mounts'] !== undefined) {
    const seen = new Map<string, string>();
    result.mounts = v.array(top['mounts'], 'mounts').map((entry, index): MountConfig => {
      const at = `mounts[${index}]`;
      const mount = v.object(entry, at, ['prefix', 'source', 'cacheControl']);
      const rawPrefix = v.string(mount['prefix'], `${at}.prefix`);
      if (!rawPrefix.startsWith('/')) fail(`${at}.prefix`, `must start with "/", got ${JSON.stringify(rawPrefix)}`);
      let prefix = '';
      try {
        prefix = normaliseMountPrefix(rawPrefix);
      } catch (error) {
        fail(`${at}.prefix`, (error as Error).message);
      }
      const duplicate = seen.get(prefix);
      if (duplicate) fail(`${at}.prefix`, `"${prefix}" is already used by ${duplicate}`);
      seen.set(prefix, at);
      return {
        prefix,
        source: parseSource(mount['source'], `${at}.source`),
        ...(mount['cacheControl'] !== undefined && { cacheControl: v.headerValue(mount['cacheControl'], `${at}.cacheControl`) }),
      };
    });
  }

  if (top['httpSource'] !== undefined) {
    const http = v.object(top['httpSource'], 'httpSource', ['allowHosts', 'maxRedirects', 'timeoutMs']);
    const allowHosts = v.array(http['allowHosts'], 'httpSource.allowHosts').map((entry, index) => {
      const host = v.string(entry, `httpSource.allowHosts[${index}]`);
      const problem = invalidHostEntry(host);
      return problem ? fail(`httpSource.allowHosts[${index}]`, `${JSON.stringify(host)} is invalid: ${problem}`) : host;
    });
    const config: HttpSourceConfig = {
      allowHosts,
      maxRedirects: http['maxRedirects'] === undefined ? DEFAULT_HTTP_SOURCE.maxRedirects : v.integer(http['maxRedirects'], 'httpSource.maxRedirects', 0, 20),
      timeoutMs: http['timeoutMs'] === undefined ? DEFAULT_HTTP_SOURCE.timeoutMs : v.integer(http['timeoutMs'], 'httpSource.timeoutMs', 1, 600_000),
    };
    result.httpSource = config;
  }

  if (top['limits'] !== undefined) {
    const keys = ['maxPixels', 'maxSourceBytes', 'maxOutputDimension', 'maxOutputPixels', 'requestTimeoutMs', 'concurrency', 'queueSize', 'sourceCacheMiB'] as const;
    const limits = v.object(top['limits'], 'limits', keys);
    const parsed: { -readonly [K in keyof Limits]?: number } = {};
    for (const key of keys) {
      if (limits[key] !== undefined) parsed[key] = v.integer(limits[key], `limits.${key}`, ZERO_ALLOWED_LIMITS.has(key) ? 0 : 1, Number.MAX_SAFE_INTEGER);
    }
    result.limits = parsed;
  }

  if (top['cacheControl'] !== undefined) {
    const keys = ['default', 'immutable', 'clientError', 'serverError'] as const;
    const cacheControl = v.object(top['cacheControl'], 'cacheControl', keys);
    const parsed: { -readonly [K in keyof CacheControlConfig]?: string } = {};
    for (const key of keys) {
      if (cacheControl[key] !== undefined) parsed[key] = v.headerValue(cacheControl[key], `cacheControl.${key}`);
    }
    result.cacheControl = parsed;
  }
  return result;

  function parseSource(value: unknown, at: string): SourceConfig {
    const type = v.object(value, at, ['type', 'root', 'bucket', 'prefix', 'forcePathStyle', 'contentAddressedPattern', 'verifyDigest'])['type'];
    if (type === 'file') {
      const source = v.object(value, at, ['type', 'root']);
      const root = path.resolve(baseDir, v.string(source['root'], `${at}.root`));
      const isDirectory = (() => {
        try {
          return statSync(root).isDirectory();
        } catch {
          return false;
        }
      })();
      if (!isDirectory) fail(`${at}.root`, `${JSON.stringify(root)} is not a directory`);
      return { type: 'file', root };
    }
    if (type === 's3') {
      const source = v.object(value, at, ['type', 'bucket', 'prefix', 'forcePathStyle', 'contentAddressedPattern', 'verifyDigest']);
      const bucket = v.string(source['bucket'], `${at}.bucket`);
      if (!isS3BucketName(bucket)) {
        fail(`${at}.bucket`, `${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 characters: a-z, 0-9, "." and "-")`);
      }
      const pattern = source['contentAddressedPattern'] === undefined ? undefined : v.string(source['contentAddressedPattern'], `${at}.contentAddressedPattern`);
      if (pattern !== undefined) {
        try {
          compilePattern(pattern);
        } catch (error) {
          fail(`${at}.contentAddressedPattern`, (error as Error).message);
        }
      }
      return {
        type: 's3',
        bucket,
        ...(source['prefix'] !== undefined && { prefix: v.string(source['prefix'], `${at}.prefix`, true) }),
        ...(source['forcePathStyle'] !== undefined && { forcePathStyle: v.boolean(source['forcePathStyle'], `${at}.forcePathStyle`) }),
        ...(pattern !== undefined && { contentAddressedPattern: pattern }),
        ...(source['verifyDigest'] !== undefined && { verifyDigest: v.boolean(source['verifyDigest'], `${at}.verifyDigest`) }),
      };
    }
    return fail(`${at}.type`, `must be "file" or "s3", got ${JSON.stringify(type)}`);
  }
}

/** S3's bucket naming rules, as far as a typo goes: 3-63 characters of a-z, 0-9, "." and "-". */
export const isS3BucketName = (name: string): boolean => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name);

/** Small typed readers; each names the key and shows the offending value. */
function validators(fail: (at: string, problem: string) => never) {
  const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));
  return {
    object<K extends string>(value: unknown, at: string, allowed: readonly K[]): Partial<Record<K, unknown>> {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, `must be an object, got ${show(value)}`);
      for (const key of Object.keys(value)) {
        if (!(allowed as readonly string[]).includes(key)) {
          const where = at === 'the top level' ? key : `${at}.${key}`;
          fail(where, `is not a known key; expected one of: ${allowed.join(', ')}`);
        }
      }
      return value as Partial<Record<K, unknown>>;
    },
    array(value: unknown, at: string): unknown[] {
      return Array.isArray(value) ? value : fail(at, `must be an array, got ${show(value)}`);
    },
    string(value: unknown, at: string, allowEmpty = false): string {
      if (typeof value !== 'string') return fail(at, `must be a string, got ${show(value)}`);
      if (!allowEmpty && value.length === 0) return fail(at, 'must not be empty');
      return value;
    },
    headerValue(value: unknown, at: string): string {
      if (typeof value !== 'string' || value.trim() === '') return fail(at, `must be a non-empty Cache-Control value, got ${show(value)}`);
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(value)) return fail(at, 'must not contain control characters or line breaks');
      return value;
    },
    integer(value: unknown, at: string, min: number, max: number): number {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
        return fail(at, `must be an integer ${range}, got ${show(value)}`);
      }
      return value;
    },
    boolean(value: unknown, at: string): boolean {
      return typeof value === 'boolean' ? value : fail(at, `must be true or false, got ${show(value)}`);
    },
  };
}
