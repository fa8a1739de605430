import { errors, type ImageCdnError } from '../errors.js';
import type { Edges, Rgba, Trim } from './image-options.js';
import { CSS_COLOR_ACCEPTS, formatHexColor, parseCssColor } from './color.js';
import { formatDecimal, parseDecimal, parseInteger } from './numbers.js';
import { shown } from './cloudflare-values.js';

/**
 * The trim family. Cloudflare spreads one Workers `trim` object over several URL options:
 * `trim=top;right;bottom;left`, `trim.left/top/width/height`, and (our URL spelling of the
 * Workers `trim: "border"` / `trim.border` object) `trim=border` with `trim.border.color`,
 * `trim.border.tolerance` and `trim.border.keep`. They combine into one `Trim`; mixing two
 * kinds is refused because the `Trim` union (and a reader of the URL) could not tell which wins.
 */

export const TRIM_KEYS = [
  'trim',
  'trim.border.color',
  'trim.border.keep',
  'trim.border.tolerance',
  'trim.height',
  'trim.left',
  'trim.top',
  'trim.width',
] as const;
export type TrimKey = (typeof TRIM_KEYS)[number];

export const isTrimKey = (key: string): key is TrimKey => (TRIM_KEYS as readonly string[]).includes(key);

/** Largest pixel offset a trim can name: no decoder here reads a wider image. */
export const MAX_TRIM_PIXELS = 65_535;
/** libvips' trim threshold is a colour distance; 255 already matches any colour. */
export const MAX_TRIM_TOLERANCE = 255;

const EDGES_ACCEPTS = `border, or four integers 0..${MAX_TRIM_PIXELS} as top;right;bottom;left (e.g. 20;30;20;0)`;
const OFFSET_ACCEPTS = `an integer from 0 to ${MAX_TRIM_PIXELS} (source pixels)`;
const SIZE_ACCEPTS = `an integer from 1 to ${MAX_TRIM_PIXELS} (source pixels)`;
const KINDS =
  'one kind of trim: trim=top;right;bottom;left, or trim.left/trim.top/trim.width/trim.height, ' + 'or trim=border with trim.border.color/tolerance/keep';

type Kind = Trim['mode'];

type Part =
  | { readonly kind: 'edges'; readonly edges: Edges }
  | { readonly kind: 'border'; readonly color?: Rgba; readonly tolerance?: number; readonly keep?: number }
  | { readonly kind: 'rect'; readonly left?: number; readonly top?: number; readonly width?: number; readonly height?: number };

function parseEdges(text: string): Edges | undefined {
  const parts = text.split(';');
  if (parts.length !== 4) return undefined;
  const [top, right, bottom, left] = parts.map((p) => parseInteger(p, 0, MAX_TRIM_PIXELS));
  if (top === undefined || right === undefined || bottom === undefined || left === undefined) return undefined;
  return { top, right, bottom, left };
}

/** One trim option's value as a partial Trim, or what the option accepts when it is invalid. */
function parsePart(key: TrimKey, text: string): Part | { readonly accepts: string } {
  const orFail = <T>(value: T | undefined, accepts: string, part: (v: T) => Part) => (value === undefined ? { accepts } : part(value));
  switch (key) {
    case 'trim':
      if (text === 'border') return { kind: 'border' };
      return orFail(parseEdges(text), EDGES_ACCEPTS, (edges) => ({ kind: 'edges', edges }));
    case 'trim.border.color':
      return orFail(parseCssColor(text), CSS_COLOR_ACCEPTS, (color) => ({ kind: 'border', color }));
    case 'trim.border.tolerance':
      return orFail(parseDecimal(text, 0, MAX_TRIM_TOLERANCE), `a number from 0 to ${MAX_TRIM_TOLERANCE}`, (tolerance) => ({ kind: 'border', tolerance }));
    case 'trim.border.keep':
      return orFail(parseInteger(text, 0, MAX_TRIM_PIXELS), OFFSET_ACCEPTS, (keep) => ({ kind: 'border', keep }));
    case 'trim.left':
    case 'trim.top': {
      const side = key === 'trim.left' ? 'left' : 'top';
      return orFail(parseInteger(text, 0, MAX_TRIM_PIXELS), OFFSET_ACCEPTS, (px) => ({ kind: 'rect', [side]: px }));
    }
    case 'trim.width':
    case 'trim.height': {
      const size = key === 'trim.width' ? 'width' : 'height';
      return orFail(parseInteger(text, 1, MAX_TRIM_PIXELS), SIZE_ACCEPTS, (px) => ({ kind: 'rect', [size]: px }));
    }
  }
}

/** Collects the trim options of one URL, in any order, into a single Trim. */
export class TrimBuilder {
  #first?: { readonly kind: Kind; readonly written: string };
  #edges: Edges = { top: 0, right: 0, bottom: 0, left: 0 };
  // Only keys that were given are ever set, so the built Trim has no undefined members.
  #border: { color?: Rgba; tolerance?: number; keep?: number } = {};
  #rect: { left?: number; top?: number; width?: number; height?: number } = {};

  /** `written` is the option as spelled in the URL, `text` its decoded value. */
  add(key: TrimKey, written: string, text: string): ImageCdnError | undefined {
    const part = parsePart(key, text);
    if ('accepts' in part) return errors.invalidOption(shown(written), shown(text), part.accepts);
    if (this.#first && this.#first.kind !== part.kind) {
      return errors.invalidOption(shown(written), shown(text), `${KINDS}; it cannot be combined with ${shown(this.#first.written)}`);
    }
    this.#first ??= { kind: part.kind, written: `${written}=${text}` };
    if (part.kind === 'edges') this.#edges = part.edges;
    else if (part.kind === 'border') Object.assign(this.#border, withoutKind(part));
    else Object.assign(this.#rect, withoutKind(part));
    return undefined;
  }

  build(): Trim | undefined {
    switch (this.#first?.kind) {
      case undefined:
        return undefined;
      case 'edges':
        return { mode: 'edges', edges: this.#edges };
      case 'border':
        return { mode: 'border', ...this.#border };
      case 'rect':
        // A rectangle starts at the top-left corner unless told otherwise.
        return { mode: 'rect', left: 0, top: 0, ...this.#rect };
    }
  }
}

function withoutKind<T extends { kind: Kind }>(part: T): Omit<T, 'kind'> {
  const { kind: _kind, ...values } = part;
  return values;
}

/** Canonical [option, value] pairs for a Trim, values not yet percent-encoded. */
export function formatTrim(trim: Trim): Array<[TrimKey, string]> {
  switch (trim.mode) {
    case 'edges': {
      const { top, right, bottom, left } = trim.edges;
      return [['trim', `${top};${right};${bottom};${left}`]];
    }
    case 'border': {
      const pairs: Array<[TrimKey, string]> = [['trim', 'border']];
      if (trim.color) pairs.push(['trim.border.color', formatHexColor(trim.color)]);
      if (trim.keep !== undefined) pairs.push(['trim.border.keep', String(trim.keep)]);
      if (trim.tolerance !== undefined) pairs.push(['trim.border.tolerance', formatDecimal(trim.tolerance)]);
      return pairs;
    }
    case 'rect': {
      const pairs: Array<[TrimKey, string]> = [
        ['trim.left', String(trim.left)],
        ['trim.top', String(trim.top)],
      ];
      if (trim.width !== undefined) pairs.push(['trim.width', String(trim.width)]);
      if (trim.height !== undefined) pairs.push(['trim.height', String(trim.height)]);
      return pairs;
    }
  }
}
