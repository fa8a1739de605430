/**
 * Shrinks the function's code to keep it well inside CloudFront's 10 KB: spaces that mean nothing
 * go, adjacent `var` statements join, and the names the code declares (functions, variables,
 * parameters) become one or two letters, as do the property names of its own objects that the
 * caller lists. Other property names, globals and the names the runtime or the tests look up
 * (`handler`, `CONFIG`, `TABLES`) stay. This is not a general minifier: it relies on how
 * lib/cdk/edge/viewer-request.js is written (ES5, no comments after code, a regular expression only
 * after one of `(,=:[!&|?{};` or `return`, object keys only after `{` or `,`), which the tests check
 * by running the code before and after.
 */

/** Names kept as written: the runtime calls `handler`; tests read CONFIG and TABLES. */
const KEPT = new Set(['handler', 'CONFIG', 'TABLES']);
const KEYWORDS = new Set(['do', 'if', 'in', 'for', 'let', 'new', 'try', 'var', 'case', 'else', 'enum', 'null', 'this', 'true', 'void', 'with']);

type Token = { readonly kind: 'word' | 'literal' | 'space' | 'other'; readonly text: string };

export interface CompactOptions {
  /** Shorten names; off, only spaces go (for comparing behaviour). @default true */
  readonly mangle?: boolean;
  /** Property names of the code's own objects, shortened too (never a runtime object's, such as `uri`). */
  readonly properties?: readonly string[];
}

export function compactCode(code: string, { mangle = true, properties = [] }: CompactOptions = {}): string {
  const tokens = tokenize(code);
  const taken = new Set(tokens.filter((token) => token.kind === 'word').map((token) => token.text));
  const names = mangle ? shortNames(tokens, taken) : new Map<string, string>();
  const fresh = freshNames(taken);
  const propertyNames = new Map(mangle ? properties.map((name) => [name, fresh.next().value]) : []);
  let out = '';
  // Adjacent `var` statements of one block become one (`var a=1,b=2;`): depth counts open brackets,
  // varDepth is the depth of the `var` statement being written, endedVar that one just ended.
  let depth = 0;
  let varDepth = -1;
  let endedVar = false;
  for (const [index, token] of tokens.entries()) {
    if (token.kind !== 'space') {
      const startsVar = token.text === 'var' && /(^|[;{}])$/.test(out);
      if (startsVar && endedVar) {
        out = `${out.slice(0, -1)},`;
        varDepth = depth;
        endedVar = false;
        continue;
      }
      endedVar = false;
      if (startsVar) varDepth = depth;
      if ('([{'.includes(token.text)) depth++;
      if (')]}'.includes(token.text)) depth--;
      if (token.text === ';' && depth === varDepth) {
        endedVar = true;
        varDepth = -1;
      }
    }
    if (token.kind === 'space') {
      // A line break stays only where a statement could end without a semicolon.
      if (token.text.includes('\n') && !/[{;},(|&]$/.test(out)) out += '\n';
      else if (needsSpace(out, tokens[index + 1])) out += ' ';
    } else if (token.kind === 'word' && isProperty(out, tokens, index)) {
      out += propertyNames.get(token.text) ?? token.text;
    } else if (token.kind === 'word' && names.has(token.text)) {
      out += names.get(token.text);
    } else {
      out += token.text;
    }
  }
  return out;
}

function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let significant = '';
  while (i < code.length) {
    const c = code[i]!;
    let end = i + 1;
    let kind: Token['kind'] = 'other';
    if (/\s/.test(c)) {
      while (end < code.length && /\s/.test(code[end]!)) end++;
      kind = 'space';
    } else if (isWordChar(c)) {
      while (end < code.length && isWordChar(code[end]!)) end++;
      kind = 'word';
    } else if (c === "'" || c === '"' || (c === '/' && startsRegExp(significant))) {
      end = literalEnd(code, i);
      kind = 'literal';
    }
    const text = code.slice(i, end);
    tokens.push({ kind, text });
    if (kind !== 'space') significant = kind === 'word' ? text : text[text.length - 1]!;
    i = end;
  }
  return tokens;
}

const isWordChar = (c: string) => /[A-Za-z0-9_$]/.test(c);

function startsRegExp(previous: string): boolean {
  return previous === '' || previous === 'return' || /^[(,=:[!&|?{};]$/.test(previous);
}

/** The index just after the string or regular expression literal that starts at `start`. */
function literalEnd(code: string, start: number): number {
  const quote = code[start]!;
  let inClass = false;
  for (let i = start + 1; i < code.length; i++) {
    const c = code[i]!;
    if (c === '\\') i++;
    else if (c === '\n') break;
    else if (quote === '/' && c === '[') inClass = true;
    else if (quote === '/' && c === ']') inClass = false;
    else if (c === quote && !inClass) {
      let end = i + 1;
      while (quote === '/' && end < code.length && /[gimsuy]/.test(code[end]!)) end++;
      return end;
    }
  }
  throw new Error(`unterminated literal in the function's code at: ${code.slice(start, start + 40)}`);
}

/** A space stays between two words, and between `+ +` or `- -`, which would otherwise join. */
function needsSpace(before: string, next: Token | undefined): boolean {
  const last = before[before.length - 1] ?? '';
  const first = next?.text[0] ?? '';
  return (isWordChar(last) && isWordChar(first)) || (last === first && (last === '+' || last === '-'));
}

/** A word after `.`, or an object key (after `{` or `,`, before `:`), names a property, not a variable. */
function isProperty(before: string, tokens: readonly Token[], index: number): boolean {
  const previous = before.trimEnd().slice(-1);
  if (previous === '.') return true;
  let next = index + 1;
  while (tokens[next]?.kind === 'space') next++;
  return tokens[next]?.text === ':' && (previous === '{' || previous === ',');
}

/** Every declared name → a short name, the most used first; never a name the code already uses. */
function shortNames(tokens: readonly Token[], taken: ReadonlySet<string>): Map<string, string> {
  const words = tokens.filter((token) => token.kind === 'word' || token.kind === 'other').map((token) => token.text);
  const declared = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 'var' || words[i] === 'function' || words[i] === 'catch') {
      if (words[i] === 'catch') i++;
      if (isName(words[i + 1])) declared.add(words[i + 1]!);
    }
    if (words[i] === 'function') {
      let j = i + 1;
      while (j < words.length && words[j] !== '(') j++;
      for (j++; j < words.length && words[j] !== ')'; j++) if (isName(words[j])) declared.add(words[j]!);
    }
  }
  for (const name of KEPT) declared.delete(name);
  const uses = new Map<string, number>();
  for (const word of words) if (declared.has(word)) uses.set(word, (uses.get(word) ?? 0) + 1);
  const names = new Map<string, string>();
  const fresh = freshNames(taken);
  const byUse = [...uses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  let short = fresh.next().value;
  for (const [name] of byUse) {
    // A name no longer than the next free one stays as it is.
    if (short.length >= name.length) continue;
    names.set(name, short);
    short = fresh.next().value;
  }
  return names;
}

const isName = (word: string | undefined): boolean => word !== undefined && /^[A-Za-z_$][\w$]*$/.test(word) && !KEYWORDS.has(word);

function* freshNames(taken: ReadonlySet<string>): Generator<string, never> {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (let length = 1; ; length++) {
    const count = letters.length ** length;
    for (let n = 0; n < count; n++) {
      let name = '';
      for (let rest = n, k = 0; k < length; k++, rest = Math.floor(rest / letters.length)) name += letters[rest % letters.length];
      if (!taken.has(name) && !KEYWORDS.has(name)) yield name;
    }
  }
}
