import type { GrammarName } from '../../grammar/names.js';

/** One grammar's URL for a transform, or why that grammar cannot say it. */
export type Translation = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly why: string };

export const translated = (url: string): Translation => ({ ok: true, url });
export const untranslatable = (grammar: GrammarName, option: string, why = 'no equivalent'): Translation => ({
  ok: false,
  why: `${option}: ${why} in the ${grammar} grammar`,
});

/** A source path in a URL: each segment percent-encoded, the slashes kept. */
export const encodeSource = (source: string): string => source.split('/').map(encodeURIComponent).join('/');

/** What a grammar's URL builder needs to know of the origin. */
export interface UrlSettings {
  readonly grammars: readonly GrammarName[];
  /** ImageKit's URL endpoint prefix (`/` on a custom domain). */
  readonly imagekitEndpoint: string;
}
