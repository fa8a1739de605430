import type { OriginConfig } from './config.js';
import { groupOf, setPath } from './settings/paths.js';
import { defaultOf, GROUPS, SETTING_NAMES, settingOf } from './settings/registry.js';

/**
 * Defaults for a whole origin, from the settings registry. Optional groups (`svg`, `signing`,
 * `httpSource`) stay out: absent means off. Mounts are filled by settings, the config file or
 * handler options.
 */
export function defaultConfig(): OriginConfig {
  const config: Record<string, unknown> = { mounts: [] };
  for (const name of SETTING_NAMES) {
    const path = settingOf(name).file;
    const group = path === undefined ? undefined : groupOf(path);
    const value = defaultOf(name);
    if (path !== undefined && value !== undefined && !(group !== undefined && GROUPS[group]?.optional)) setPath(config, path, value);
  }
  return config as unknown as OriginConfig;
}
