/**
 * What a setting's value can be, and how each layer's form of it is read: text from a flag or an
 * environment variable, JSON from the config file (or handler options), and text again for the
 * container environment the CDK constructs write. One kind, one set of rules for every layer.
 */
import path from 'node:path';
import { SettingProblem, show } from './errors.js';
import { readYesNo, YES_NO_EXPECTED } from './yes-no.js';

/** The kind's shape: what commander, the docs and a property test need to know about it. */
export type KindShape =
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'text'; readonly emptyIsValue: boolean }
  | { readonly type: 'yes-no' }
  | { readonly type: 'one-of'; readonly values: readonly string[] }
  | { readonly type: 'list'; readonly item: Kind<unknown> }
  | { readonly type: 'variants' };

export type Kind<T> = KindShape & {
  /** What a valid value is, for errors and the docs ("an integer from 0 to 65535"). */
  readonly expects: string;
  /** A flag's or environment variable's text. Throws SettingProblem. */
  fromText(text: string): T;
  /** A JSON value; `baseDir` anchors a relative path in a config file. Throws SettingProblem. */
  fromJson(value: unknown, baseDir?: string): T;
  /** The value as an environment variable holds it. */
  toText(value: T): string;
};

export type ValueOf<K> = K extends Kind<infer T> ? T : never;

const mustBe = (expects: string, value: unknown) => new SettingProblem(`must be ${expects}, got ${show(value)}`);

/** Text that is not a number shows as given (`got "60s"`), not as NaN. */
const asShownText = <T>(text: string, read: () => T, expects: string): T => {
  try {
    return read();
  } catch (error) {
    throw error instanceof SettingProblem && error.at === '' ? mustBe(expects, text) : error;
  }
};

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Kind<number> {
  const expects = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  const fromJson = (value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw mustBe(expects, value);
    return value;
  };
  return {
    type: 'integer',
    min,
    max,
    expects,
    fromText: (text) => asShownText(text, () => fromJson(/^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : text), expects),
    fromJson,
    toText: String,
  };
}

interface TextOptions {
  /** What the docs and errors call a valid value (default: a string). */
  readonly expects?: string;
  /** '' is a value (it turns something off), not "unset". */
  readonly emptyIsValue?: boolean;
  /** A further rule: the problem with the value, or undefined. */
  readonly check?: (value: string) => string | undefined;
}

export function text({ expects = 'a string', emptyIsValue = false, check }: TextOptions = {}): Kind<string> {
  const read = (value: unknown): string => {
    if (typeof value !== 'string') throw mustBe(expects, value);
    if (!emptyIsValue && value.trim() === '') throw expects === 'a string' ? new SettingProblem('must not be empty') : mustBe(expects, value);
    const problem = check?.(value);
    if (problem !== undefined) throw new SettingProblem(problem);
    return value;
  };
  return { type: 'text', emptyIsValue, expects, fromText: read, fromJson: (value) => read(value), toText: (value) => value };
}

export const yesNo: Kind<boolean> = {
  type: 'yes-no',
  expects: YES_NO_EXPECTED,
  fromText: (value) => yesNoFromJson(value),
  fromJson: (value) => yesNoFromJson(value),
  toText: String,
};

function yesNoFromJson(value: unknown): boolean {
  const read = readYesNo(value);
  if (read === undefined) throw mustBe(YES_NO_EXPECTED, value);
  return read;
}

/**
 * One of a few words. With a `noun` the message lists them as names (`names an unknown grammar
 * "x"; known grammars: …`), which reads better for a list's entries.
 */
export function oneOf<const V extends string>(values: readonly V[], noun?: string): Kind<V> {
  const quoted = values.map((value) => JSON.stringify(value));
  const expects = quoted.length === 2 ? quoted.join(' or ') : `one of ${quoted.join(', ')}`;
  const read = (value: unknown): V => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as V;
    if (noun !== undefined && typeof value === 'string')
      throw new SettingProblem(`names an unknown ${noun} ${show(value)}; known ${noun}s: ${values.join(', ')}`);
    throw mustBe(expects, value);
  };
  return { type: 'one-of', values, expects, fromText: (value) => read(value.trim()), fromJson: read, toText: (value) => value };
}

/** Comma-separated in text, an array in JSON; `unique` drops repeats, `nonEmpty` refuses none. */
export function list<T>(item: Kind<T>, { unique = false, nonEmpty = false } = {}): Kind<readonly T[]> {
  const expects = `a list, each ${item.expects}`;
  const finish = (values: T[]): readonly T[] => {
    if (nonEmpty && values.length === 0) throw new SettingProblem(`must not be an empty list; each entry ${item.expects}`);
    return unique ? [...new Set(values)] : values;
  };
  return {
    type: 'list',
    item: item as Kind<unknown>,
    expects,
    fromText: (value) =>
      finish(
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map((entry) => item.fromText(entry)),
      ),
    fromJson: (value, baseDir) => {
      if (!Array.isArray(value)) throw mustBe('an array', value);
      return finish(
        value.map((entry, index) => {
          try {
            return item.fromJson(entry, baseDir);
          } catch (error) {
            throw error instanceof SettingProblem ? new SettingProblem(error.message, `[${index}]${error.at}`) : error;
          }
        }),
      );
    },
    toText: (values) => values.map((value) => item.toText(value)).join(','),
  };
}

export type VariantsValue = string | Readonly<Record<string, string>>;

const VARIANTS_EXPECTED = 'a JSON file path, or an object mapping variant names to option strings';

/**
 * Named variants: a JSON file's path, or the table itself. In text, a value starting with `{` is
 * the table (containers prefer it inline). A config file's relative path is relative to the file.
 */
export const variants: Kind<VariantsValue> = {
  type: 'variants',
  expects: VARIANTS_EXPECTED,
  fromText: (value) => {
    if (!value.trim().startsWith('{')) return variants.fromJson(value);
    let table: unknown;
    try {
      table = JSON.parse(value);
    } catch (error) {
      throw new SettingProblem(`is not valid JSON: ${(error as Error).message}`);
    }
    return variants.fromJson(table);
  },
  fromJson: (value, baseDir) => {
    if (typeof value === 'string' && value !== '') return baseDir === undefined ? value : path.resolve(baseDir, value);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mustBe(VARIANTS_EXPECTED, value);
    for (const [name, options] of Object.entries(value)) {
      if (typeof options !== 'string') throw new SettingProblem(`must be a string, got ${show(options)}`, `.${name}`);
    }
    return value as Record<string, string>;
  },
  toText: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
};
