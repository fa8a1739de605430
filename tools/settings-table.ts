/**
 * The settings table of docs/configuration.md, made from the registry: `npm run docs:settings`
 * writes it between the markers, and test/tools/settings-docs.test.ts fails when the two differ.
 */
import { defaultOf, type Setting, SETTING_NAMES, settingOf } from '../origin/src/settings/registry.js';

export const TABLE_START = '<!-- settings:start (generated from origin/src/settings/registry.ts by `npm run docs:settings`) -->';
export const TABLE_END = '<!-- settings:end -->';

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replaceAll('|', '\\|');

function flagCell({ flag, kind }: Setting): string {
  if (flag === undefined) return '';
  return kind.type === 'yes-no' ? `${code(flag)}, ${code(`--no-${flag.slice(2)}`)}` : code(flag);
}

export function settingsTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const setting = settingOf(name);
    const value = defaultOf(name);
    const byDefault = setting.defaultDoc ?? (value === undefined ? 'none' : code(setting.kind.toText(value)));
    const cells = [
      setting.doc,
      flagCell(setting),
      setting.env ? code(setting.env) : '',
      setting.file ? code(setting.file) : '',
      setting.kind.expects,
      byDefault,
    ];
    return `| ${cells.map(cell).join(' | ')} |`;
  });
  return ['| setting | flag | environment | config file | value | default |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The document with the table between its markers replaced by the registry's. */
export function withSettingsTable(markdown: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start === -1 || end < start) throw new Error(`the settings table's markers are missing: ${TABLE_START} … ${TABLE_END}`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n${settingsTable()}\n${markdown.slice(end)}`;
}
