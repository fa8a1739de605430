import { parseCloudflareOptions } from '../../grammar/cloudflare.js';
import type { ErrorTag } from '../../errors.js';
import type { ImageOptions } from '../../pipeline/types.js';
import { FIELDS, optionText } from './fields.js';

/** What the origin would say about one control's value: its error tag and message. */
export interface Problem {
  /** The control the message names; undefined when it names none. */
  readonly field: string | undefined;
  readonly tag: ErrorTag;
  readonly message: string;
}

/** The form's values by option name; '' leaves an option out. */
export type FormValues = Readonly<Record<string, string>>;

export type FormReading = { readonly ok: true; readonly options: ImageOptions } | { readonly ok: false; readonly problems: readonly Problem[] };

/**
 * Reads the form exactly as the origin reads the URL made from it: each value on its own first (so
 * every control gets its own message), then all together (trim options that cannot be combined),
 * both with the origin's parseCloudflareOptions.
 */
export function readForm(values: FormValues): FormReading {
  const given = givenOptions(values);
  const problems: Problem[] = [];
  for (const option of given) {
    const read = parseCloudflareOptions(option);
    if (!read.ok) problems.push({ field: option.slice(0, option.indexOf('=')), tag: read.error.tag, message: read.error.message });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (given.length === 0) return { ok: true, options: {} };
  const read = parseCloudflareOptions(given.join(','));
  if (read.ok) return { ok: true, options: read.value };
  return { ok: false, problems: [{ field: fieldNamedIn(read.error.message), tag: read.error.tag, message: read.error.message }] };
}

/** The options the form gives, as a URL carries them, in the form's order. */
export function givenOptions(values: FormValues): string[] {
  return FIELDS.filter(({ name }) => (values[name] ?? '') !== '').map(({ name }) => optionText(name, values[name] ?? ''));
}

/**
 * The control an origin message is about: every message about one option quotes it after the word
 * "option" (`invalid value "0" for option "width"`, `option "fit" is given more than once`). Also
 * places the origin's answers to a request next to their control.
 */
export function fieldNamedIn(message: string): string | undefined {
  const name = /option "([^"]+)"/.exec(message)?.[1];
  return FIELDS.some((field) => field.name === name) ? name : undefined;
}
