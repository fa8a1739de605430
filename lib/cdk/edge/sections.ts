import { GRAMMAR_NAMES, type GrammarName } from '../../../origin/src/config.js';

const SECTION_START = /^\/\/#if ((?:[a-z]+ ?)+)$/;
const SECTION_END = '//#endif';

/**
 * The function source's lines of code for a set of grammars: the `//#if <grammar> …` sections of
 * enabled grammars kept, the others dropped, and comments, blank lines and indentation gone.
 * `file` names the source in errors about its sections.
 */
export function enabledLines(source: string, grammars: ReadonlySet<GrammarName>, file: string): string[] {
  const kept: string[] = [];
  let section: boolean | undefined;
  for (const line of source.split('\n')) {
    const start = SECTION_START.exec(line);
    if (start) {
      if (section !== undefined) throw new Error(`${file}: '${line}' inside another section`);
      const names = start[1]!.trim().split(' ') as GrammarName[];
      const unknown = names.find((name) => !GRAMMAR_NAMES.includes(name));
      if (unknown !== undefined) throw new Error(`${file}: section for unknown grammar '${unknown}'`);
      section = names.some((name) => grammars.has(name));
      continue;
    }
    if (line === SECTION_END) {
      if (section === undefined) throw new Error(`${file}: ${SECTION_END} without #if`);
      section = undefined;
      continue;
    }
    const code = line.trim();
    if (section === false || code === '' || code.startsWith('//')) continue;
    kept.push(code);
  }
  if (section !== undefined) throw new Error(`${file}: a section is not closed`);
  return kept;
}
