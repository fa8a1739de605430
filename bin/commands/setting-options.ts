import { type Command, InvalidArgumentError, Option } from 'commander';
import { SettingProblem } from '../../origin/src/settings/errors.js';
import type { Kind } from '../../origin/src/settings/kinds.js';
import { defaultOf, type Setting, SETTING_NAMES, settingOf, type SettingName, type Settings } from '../../origin/src/settings/registry.js';

/**
 * Adds the registry's settings to a command as options, and returns the reader of what the command
 * line set. No option has a commander default, and each `--no-x` comes after its `--x` (a lone
 * negation would default to true): a flag that is not given leaves the environment, the config
 * file and the defaults to show through.
 */
export function addSettingOptions(command: Command): (options: Readonly<Record<string, unknown>>) => Settings {
  const attributes: Array<[SettingName, string]> = [];
  for (const name of SETTING_NAMES) {
    const setting = settingOf(name);
    if (setting.flag === undefined) continue;
    const option = settingOption(setting.flag, setting, name);
    command.addOption(option);
    if (setting.kind.type === 'yes-no') command.addOption(new Option(`--no-${option.name()}`).hideHelp());
    attributes.push([name, option.attributeName()]);
  }
  return (options) => Object.fromEntries(attributes.flatMap(([name, attribute]) => (options[attribute] === undefined ? [] : [[name, options[attribute]]])));
}

function settingOption(flag: string, setting: Setting, name: SettingName): Option {
  const { kind } = setting;
  if (kind.type === 'yes-no') return new Option(`${flag} [yes|no]`, help(setting, name)).argParser((text) => fromText(kind, text));
  // A list flag may be repeated; the lists join.
  if (kind.type === 'list') {
    return new Option(flag, help(setting, name)).argParser(
      (text, previous: unknown[] | undefined) => kind.fromJson([...(previous ?? []), ...(fromText(kind, text) as unknown[])]) as unknown[],
    );
  }
  return new Option(flag, help(setting, name)).argParser((text) => fromText(kind, text));
}

/** Commander reports the error as `option '--port <n>' argument 'x' is invalid. <message>`. */
function fromText(kind: Kind<unknown>, text: string): unknown {
  try {
    return kind.fromText(text);
  } catch (error) {
    throw error instanceof SettingProblem ? new InvalidArgumentError(error.message) : error;
  }
}

/** The docs' line in plain text, with where else the setting comes from and its default. */
function help(setting: Setting, name: SettingName): string {
  const plain = (markdown: string) => markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replaceAll('`', '');
  const value = defaultOf(name);
  const byDefault = setting.defaultDoc ?? (value === undefined ? undefined : setting.kind.toText(value));
  const notes = [
    setting.kind.type === 'yes-no' && `--no-${setting.flag!.slice(2)} turns it off`,
    setting.env && `env ${setting.env}`,
    byDefault !== undefined && `default ${plain(byDefault)}`,
  ].filter(Boolean);
  return `${plain(setting.doc)} (${notes.join('; ')})`;
}
