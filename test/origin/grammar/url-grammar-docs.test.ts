/**
 * docs/url-grammar.md against the grammar modules: the Cloudflare option table names every option
 * and alias the codecs know and each codec's bounds, and the hosted tables state the dpr cap and
 * the ignored parameters the modules use.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUDFLARE_ALIASES, CLOUDFLARE_OPTION_NAMES } from '../../../origin/src/grammar/cloudflare.js';
import { VALUE_CODECS } from '../../../origin/src/grammar/cloudflare-values.js';
import { MAX_HOSTED_DPR } from '../../../origin/src/grammar/hosted.js';
import { IMGIX_IGNORED_PARAMETERS, IMGIX_IGNORED_PREFIXES } from '../../../origin/src/grammar/imgix.js';
import { REPO } from '../../support/origin.js';

const DOC = readFileSync(path.join(REPO, 'docs/url-grammar.md'), 'utf8');

/** The rows of the first table after `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const start = DOC.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const lines = DOC.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
const numbers = (text: string) => [...text.replace(/\(e\.g\.[^)]*\)/g, '').matchAll(/\d+(?:\.\d+)?/g)].map((match) => match[0]);

describe('docs/url-grammar.md, Cloudflare options', () => {
  const rows = tableAfter('### Options');

  it('names every option and every alias, and no other', () => {
    expect(rows.flatMap((row) => codeSpans(row[0]!)).sort()).toEqual([...CLOUDFLARE_OPTION_NAMES].sort());
    const aliases = rows.flatMap((row) => codeSpans(row[1]!).map((alias) => [alias, codeSpans(row[0]!)[0]!]));
    expect(Object.fromEntries(aliases)).toEqual({ ...CLOUDFLARE_ALIASES });
  });

  it.each([...VALUE_CODECS].map(([name, codec]) => [name, codec.accepts] as const))('%s: the row states the bounds its codec accepts (%s)', (name, accepts) => {
    const row = rows.find((cells) => codeSpans(cells[0]!).includes(name));
    expect(row, name).toBeDefined();
    const text = row!.join(' ').replace(/(\d),(\d{3})/g, '$1$2');
    for (const bound of numbers(accepts)) expect(text, `${name}: ${bound}`).toMatch(new RegExp(`(^|[^\\d.])${bound.replace('.', '\\.')}($|[^\\d])`));
  });
});

describe('docs/url-grammar.md, hosted grammars', () => {
  it.each([
    ['## imgix', '`dpr`'],
    ['## Cloudinary', '`dpr_`'],
    ['## ImageKit', '`dpr-`'],
  ])('%s states the dpr cap', (heading, name) => {
    const row = tableAfter(heading).find((cells) => cells[0] === name);
    expect(row?.join(' ')).toMatch(new RegExp(`above ${MAX_HOSTED_DPR} (is )?served as ${MAX_HOSTED_DPR}`));
  });

  it('lists every parameter imgix ignores', () => {
    const section = DOC.slice(DOC.indexOf('\n## imgix\n'), DOC.indexOf('\n## Cloudinary\n'));
    for (const name of IMGIX_IGNORED_PARAMETERS) expect(section, name).toContain(`\`${name}\``);
    for (const prefix of IMGIX_IGNORED_PREFIXES) expect(section, prefix).toContain(`\`${prefix}*\``);
  });
});
