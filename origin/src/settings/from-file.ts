import { readOrExplain } from './errors.js';
import { getPath, groupOf, setPath } from './paths.js';
import { defaultOf, GROUPS, SETTING_NAMES, settingOf } from './registry.js';

/** The keys the registry puts in a config-file object: the top level (`group` undefined) or a group such as `limits`. */
export function fileKeys(group?: string): string[] {
  const keys = SETTING_NAMES.flatMap((name) => {
    const path = settingOf(name).file;
    if (path === undefined) return [];
    if (group === undefined) return [groupOf(path) ?? path];
    return groupOf(path) === group ? [path.slice(group.length + 1)] : [];
  });
  return [...new Set(keys)];
}

/**
 * The registry's settings in a parsed config file, at their paths (the file's own shape). An
 * optional group the file has gets its other members' defaults, as OriginConfig holds it whole.
 * `toError` makes the error for a bad value from its message, which names the key and the value.
 */
export function readFileSettings(json: Readonly<Record<string, unknown>>, baseDir: string, toError: (message: string) => Error): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const { file: path, kind } = settingOf(name);
    if (path === undefined) continue;
    const group = groupOf(path);
    let value = getPath(json, path);
    if (value === undefined) {
      const fillsIn = group !== undefined && GROUPS[group]?.optional && json[group] !== undefined;
      if (!fillsIn) continue;
      value = defaultOf(name);
      // No default: the group needs this member, and the kind names what is missing.
    }
    const read = value;
    setPath(
      result,
      path,
      readOrExplain(path, () => kind.fromJson(read, baseDir), toError),
    );
  }
  return result;
}
