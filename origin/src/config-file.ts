import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HttpSourceConfig, MountConfig, SourceConfig } from './config.js';
import { readOrExplain, show } from './settings/errors.js';
import { fileKeys, readFileSettings } from './settings/from-file.js';
import { GROUPS, isS3BucketName, SETTINGS } from './settings/registry.js';
import type { FileLayer } from './settings/resolve.js';
import { compilePattern } from './sources/content-address.js';
import { invalidHostEntry } from './sources/host-allow-list.js';
import { normaliseMountPrefix } from './sources/mounts.js';

export { isS3BucketName };

/**
 * The `--config FILE` format: plain JSON, every key optional, unknown keys refused (a typo must
 * not silently fall back to a default). See docs/sources.md for the format.
 *
 * The settings registry declares the keys and their rules; `mounts` and `httpSource.allowHosts`
 * are tables read here. `limits` and `cacheControl` hold only the keys the file sets;
 * resolveConfig merges them over the defaults. Relative paths are relative to the config file's
 * directory.
 */
export type ConfigFileContents = FileLayer;

/** Keys the registry does not declare: tables read here, and the editor's schema pointer. */
const TABLE_KEYS: Readonly<Record<string, readonly string[]>> = { '': ['$schema', 'mounts'], httpSource: ['allowHosts'] };

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

/** Validates already-parsed JSON; `file` names it in errors, `baseDir` anchors relative paths. */
export function parseConfigFile(json: unknown, { file, baseDir }: { readonly file: string; readonly baseDir: string }): ConfigFileContents {
  const toError = (message: string) => new ConfigFileError(`${file}: ${message}`);
  const fail = (at: string, problem: string): never => {
    throw toError(`${at} ${problem}`);
  };
  const v = validators(fail);
  /** A value of a table's column that is a registry setting elsewhere, read by that setting's rules. */
  const read = <T>(kind: { fromJson(value: unknown, baseDir?: string): T }, value: unknown, at: string): T =>
    readOrExplain(at, () => kind.fromJson(value, baseDir), toError);

  const top = v.object(json, 'the top level', [...(TABLE_KEYS[''] ?? []), ...fileKeys()]);
  for (const group of Object.keys(GROUPS)) {
    if (top[group] !== undefined) v.object(top[group], group, [...(TABLE_KEYS[group] ?? []), ...fileKeys(group)]);
  }
  const result = readFileSettings(top, baseDir, toError) as { -readonly [K in keyof ConfigFileContents]: ConfigFileContents[K] };

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
        ...(mount['cacheControl'] !== undefined && { cacheControl: read(SETTINGS.cacheControlDefault.kind, mount['cacheControl'], `${at}.cacheControl`) }),
      };
    });
  }

  if (top['httpSource'] !== undefined) {
    const http = top['httpSource'] as Record<string, unknown>;
    const allowHosts = v.array(http['allowHosts'], 'httpSource.allowHosts').map((entry, index) => {
      const host = v.string(entry, `httpSource.allowHosts[${index}]`);
      const problem = invalidHostEntry(host);
      return problem ? fail(`httpSource.allowHosts[${index}]`, `${JSON.stringify(host)} is invalid: ${problem}`) : host;
    });
    result.httpSource = { allowHosts, ...(result.httpSource as Omit<HttpSourceConfig, 'allowHosts'>) };
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
      const bucket = read(SETTINGS.s3Bucket.kind, source['bucket'], `${at}.bucket`);
      const pattern =
        source['contentAddressedPattern'] === undefined ? undefined : v.string(source['contentAddressedPattern'], `${at}.contentAddressedPattern`);
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
        ...(source['prefix'] !== undefined && { prefix: read(SETTINGS.s3Prefix.kind, source['prefix'], `${at}.prefix`) }),
        ...(source['forcePathStyle'] !== undefined && {
          forcePathStyle: read(SETTINGS.s3ForcePathStyle.kind, source['forcePathStyle'], `${at}.forcePathStyle`),
        }),
        ...(pattern !== undefined && { contentAddressedPattern: pattern }),
        ...(source['verifyDigest'] !== undefined && { verifyDigest: read(SETTINGS.s3VerifyDigest.kind, source['verifyDigest'], `${at}.verifyDigest`) }),
      };
    }
    return fail(`${at}.type`, `must be "file" or "s3", got ${JSON.stringify(type)}`);
  }
}

/** Small typed readers; each names the key and shows the offending value. */
function validators(fail: (at: string, problem: string) => never) {
  return {
    object<K extends string>(value: unknown, at: string, allowed: readonly K[]): Partial<Record<K, unknown>> {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, `must be an object, got ${show(value)}`);
      for (const key of Object.keys(value)) {
        if (!(allowed as readonly string[]).includes(key)) {
          const where = at === 'the top level' ? key : `${at}.${key}`;
          fail(where, `is not a known key; expected one of: ${allowed.join(', ')}`);
        }
      }
      return value;
    },
    array(value: unknown, at: string): unknown[] {
      return Array.isArray(value) ? value : fail(at, `must be an array, got ${show(value)}`);
    },
    string(value: unknown, at: string): string {
      if (typeof value !== 'string') return fail(at, `must be a string, got ${show(value)}`);
      if (value.length === 0) return fail(at, 'must not be empty');
      return value;
    },
  };
}
