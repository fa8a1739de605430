import { readOrExplain } from './errors.js';
import { SETTING_NAMES, settingOf, type Settings } from './registry.js';

/**
 * The settings the environment sets (the container is configured only through these). An empty
 * variable is unset, unless '' means something for the setting (an empty version pattern turns
 * it off). A value that cannot be read names the variable and the value.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const settings: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const { env: variable, kind } = settingOf(name);
    const text = variable === undefined ? undefined : env[variable];
    if (text === undefined || (text.trim() === '' && !(kind.type === 'text' && kind.emptyIsValue))) continue;
    settings[name] = readOrExplain(`environment variable ${variable}`, () => kind.fromText(text));
  }
  return settings;
}
