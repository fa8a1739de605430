/** docs/configuration.md's settings table is the registry's: `npm run docs:settings` writes it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsTable, TABLE_END, TABLE_START, withSettingsTable } from '../../tools/settings-table.js';
import { REPO } from '../support/origin.js';

describe('the settings table in docs/configuration.md', () => {
  it('is the one the registry makes (run npm run docs:settings after changing a setting)', () => {
    const doc = readFileSync(path.join(REPO, 'docs/configuration.md'), 'utf8');
    const between = doc.slice(doc.indexOf(TABLE_START) + TABLE_START.length, doc.indexOf(TABLE_END)).trim();
    expect(between).toBe(settingsTable());
    expect(withSettingsTable(doc)).toBe(doc);
  });
});
