/**
 * Why a regular expression cannot go into the CloudFront function, or undefined. The runtime
 * (cloudfront-js-2.0) has ES5.1 regular expressions plus named groups, so no lookbehind and no
 * `\p{…}`; and the function has about a millisecond, so no nested or alternated repetition, which
 * can backtrack exponentially (`(a+)+`, `(a|a)*`) on a hostile URL.
 */
export function regExpProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  const groups: Group[] = [{ repeats: false, alternates: false }];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = groups[groups.length - 1]!;
    if (c === '\\') {
      if (/[pPk]/.test(pattern[i + 1] ?? '')) return `uses \\${pattern[i + 1]}, which cloudfront-js-2.0 does not support`;
      i++;
    } else if (c === '[') {
      i = classEnd(pattern, i);
    } else if (c === '(') {
      if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) return 'uses a lookbehind, which cloudfront-js-2.0 does not support';
      groups.push({ repeats: false, alternates: false });
    } else if (c === ')') {
      const group = groups.pop()!;
      const parent = groups[groups.length - 1];
      if (!parent) return 'has an unbalanced ")"';
      const repeat = repetition(pattern, i + 1);
      if (repeat.many && (group.repeats || group.alternates)) {
        return `repeats a group that itself repeats or alternates ("${pattern.slice(0, i + 1 + repeat.length)}"), which can backtrack without bound`;
      }
      parent.repeats ||= group.repeats || repeat.many;
    } else if (c === '|') {
      top.alternates = true;
    } else {
      const repeat = repetition(pattern, i);
      if (repeat.many) top.repeats = true;
      if (repeat.length > 0) i += repeat.length - 1;
    }
  }
  return groups.length === 1 ? undefined : 'has an unclosed "("';
}

const MAX_PATTERN_LENGTH = 200;

interface Group {
  /** Something inside repeats more than once (`+`, `*`, `{2}`, `{1,}` …). */
  repeats: boolean;
  /** It has alternatives at its own level. */
  alternates: boolean;
}

/** The quantifier at `at`, if any: its length, and whether it allows more than one repetition. */
function repetition(pattern: string, at: number): { length: number; many: boolean } {
  const c = pattern[at];
  if (c === '*' || c === '+') return { length: pattern[at + 1] === '?' ? 2 : 1, many: true };
  if (c === '?') return { length: 1, many: false };
  const braces = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(at));
  if (!braces) return { length: 0, many: false };
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
  return { length: braces[0].length, many: max > 1 };
}

/** The index of the `]` that closes the character class opened at `start`. */
function classEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']' && i > start + 1) return i;
  }
  return pattern.length;
}
