import type { CacheControlConfig, Limits, MountConfig, OriginConfig } from '../config-types.js';
import { InvalidSettingError, readOrExplain } from './errors.js';
import { getPath, groupOf, setPath } from './paths.js';
import { defaultOf, GROUPS, SETTING_NAMES, settingOf, type SettingName, type Settings } from './registry.js';

/** What a config file sets: OriginConfig's shape, `limits` and `cacheControl` holding only the keys it has. */
export type FileLayer = Partial<Omit<OriginConfig, 'limits' | 'cacheControl'>> & {
  readonly limits?: Partial<Limits>;
  readonly cacheControl?: Partial<CacheControlConfig>;
};

/** Unset settings must not hide a lower layer's value when layers are merged with Object.assign. */
export const dropUndefined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * Every setting from its highest layer: each of `settings` in turn (serve passes the environment,
 * then the flags), over the config file, over the defaults. Throws InvalidSettingError naming a
 * value that cannot be used.
 */
export function resolveConfig(layers: { readonly defaults: OriginConfig; readonly file?: FileLayer }, ...settings: Settings[]): OriginConfig {
  const given = Object.assign({}, ...settings.map(dropUndefined)) as Settings;
  const { defaults, file = {} } = layers;
  const config: Record<string, unknown> = { ...defaults, ...file, mounts: mounts(given, file.mounts ?? defaults.mounts) };
  for (const name of SETTING_NAMES) {
    const path = settingOf(name).file;
    if (path === undefined) continue;
    const value = given[name] ?? getPath(file, path) ?? getPath(defaults, path);
    if (value !== undefined) setPath(config, path, checked(name, value));
  }
  for (const [group, { optional }] of Object.entries(GROUPS)) {
    if (optional && config[group] !== undefined) completeOptionalGroup(config, group, given);
  }
  return config as unknown as OriginConfig;
}

/** The value as its kind reads it; a caller's typed value can still be out of range. */
function checked(name: SettingName, value: unknown): unknown {
  const { file, kind } = settingOf(name);
  return readOrExplain(file ?? name, () => kind.fromJson(value));
}

/** The one-source shortcuts (`--root`, `--s3-bucket`, …) replace the file's mounts. */
function mounts(given: Settings, fallback: readonly MountConfig[]): readonly MountConfig[] {
  const value = <K extends SettingName>(name: K) => (given[name] === undefined ? undefined : (checked(name, given[name]) as Settings[K]));
  const bucket = value('s3Bucket');
  if (bucket !== undefined) {
    const [prefix, forcePathStyle, verifyDigest] = [value('s3Prefix'), value('s3ForcePathStyle'), value('s3VerifyDigest')];
    return [
      {
        prefix: '/',
        source: {
          type: 's3',
          bucket,
          ...(prefix && { prefix }),
          ...(forcePathStyle !== undefined && { forcePathStyle }),
          ...(verifyDigest !== undefined && { verifyDigest }),
        },
      },
    ];
  }
  const root = value('root');
  return root === undefined ? fallback : [{ prefix: '/', source: { type: 'file', root } }];
}

/**
 * A group some layer set is whole: unset members take their defaults. A member without a default
 * (`signing.keys`) that no layer gives leaves the group out, and then setting another member by
 * flag or environment is a mistake worth an error.
 */
function completeOptionalGroup(config: Record<string, unknown>, group: string, given: Settings): void {
  const members = SETTING_NAMES.filter((name) => groupOf(settingOf(name).file ?? '') === group);
  for (const name of members) {
    const path = settingOf(name).file!;
    const value = getPath(config, path) ?? defaultOf(name);
    const missing = value === undefined || (Array.isArray(value) && value.length === 0);
    if (!missing) {
      setPath(config, path, value);
      continue;
    }
    const setAnyway = members.find((other) => given[other] !== undefined);
    if (setAnyway !== undefined) {
      throw new InvalidSettingError(`${settingOf(setAnyway).file} needs ${path} too (${whereToSet(name)})`);
    }
    delete config[group];
    return;
  }
}

/** `--signing-key <key>, IMAGE_CDN_SIGNING_KEYS or signing.keys in a config file`. */
function whereToSet(name: SettingName): string {
  const { flag, env, file } = settingOf(name);
  const places = [flag, env, file && `${file} in a config file`].filter((place): place is string => place !== undefined);
  return places.length > 1 ? `${places.slice(0, -1).join(', ')} or ${places.at(-1)}` : places.join('');
}
