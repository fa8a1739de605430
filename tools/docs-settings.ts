/**
 * `npm run docs:settings`: writes the settings registry's table into docs/configuration.md.
 * With `--check`, writes nothing and exits 1 if the document's table is not the registry's.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from './settings-table.js';

const DOC = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

const current = await readFile(DOC, 'utf8');
const updated = withSettingsTable(current);
if (process.argv.includes('--check')) {
  if (updated !== current) {
    process.stderr.write('docs/configuration.md: the settings table differs from the registry; run npm run docs:settings\n');
    process.exitCode = 1;
  }
} else if (updated !== current) {
  await writeFile(DOC, updated);
  process.stderr.write('docs/configuration.md: settings table updated\n');
}
