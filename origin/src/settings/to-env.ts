import { type EnvSettingName, settingOf, type Settings } from './registry.js';

/**
 * The environment variables that set these settings, written as settingsFromEnv reads them: what
 * the CDK constructs give the origin's container.
 */
export function environmentFor(settings: Pick<Settings, EnvSettingName>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    const { env, kind } = settingOf(name as EnvSettingName);
    if (value !== undefined) environment[env!] = kind.toText(value);
  }
  return environment;
}
