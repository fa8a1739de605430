import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { SvgConfig } from '../config-types.js';
import { errors } from '../errors.js';
import { type ImageFormat, SNIFF_BYTES, type Sniffed, sniffImageFormat } from '../sources/image-format.js';
import { bodyStart, readHandleStart } from '../sources/file-start.js';
import { rememberedFormat, rememberFormat } from '../sources/sniffed-formats.js';
import type { OpenOptions, ResolvedSource, SourceMeta } from '../sources/types.js';
import { strongEtag } from './etag.js';

/**
 * Originals (paths outside every grammar) go out only as the image their bytes are, with that
 * format's content type: a stored content type or a key's extension is never trusted, so an
 * object uploaded as `page.jpg` with `text/html` inside is refused, not served as HTML.
 */

/** Part of every original's ETag: answers of the content-type-from-stored-metadata era never revalidate. */
const ORIGINAL_ETAG_PART = 'original-by-bytes';

/** An original's ETag: its source version's, whatever URL names it. */
export const originalEtag = (meta: SourceMeta): string => strongEtag(meta.etagSeed, 'original', ORIGINAL_ETAG_PART);

/** The format an original is served as (success-response.ts gives its headers); 415 when it is no image this origin serves. */
export function servableFormat(sniffed: Sniffed, sourcePath: string, svg: SvgConfig | undefined): ImageFormat {
  if (sniffed.format === undefined) throw errors.notAnImage(sourcePath, sniffed.found);
  if (sniffed.format === 'svg' && !svg?.enabled) throw errors.svgDisabled(sourcePath);
  return sniffed.format;
}

/**
 * The format of an original without its whole body, for HEAD and conditional requests: remembered
 * per source version (`versionKey`, sources/sniffed-formats.ts) by an earlier original or
 * transform, else sniffed from a read of the first bytes.
 */
export async function sniffOriginal(versionKey: string, resolved: ResolvedSource, options: OpenOptions): Promise<Sniffed> {
  const known = rememberedFormat(versionKey);
  if (known) return known;
  let head: Buffer;
  if (resolved.readStart) {
    head = await resolved.readStart({ signal: options.signal, bytes: SNIFF_BYTES });
  } else {
    head = await bodyStart(await resolved.open(options));
  }
  return rememberFormat(versionKey, sniffImageFormat(head));
}

export interface OpenedOriginal {
  /** The format of exactly the bytes `body()` serves. */
  readonly sniffed: Sniffed;
  readonly length: number | undefined;
  /** Takes the body over; call at most once. */
  body(): Buffer | Readable;
  /** Releases the body when it is not served. */
  close(): Promise<void>;
}

/** The body to serve, sniffed from its own bytes (a file is sniffed and streamed through one open handle). */
export async function openOriginal(versionKey: string, resolved: ResolvedSource, options: OpenOptions): Promise<OpenedOriginal> {
  const opened = await resolved.open(options);
  if (opened.kind === 'bytes') {
    const sniffed = rememberFormat(versionKey, sniffImageFormat(opened.bytes.subarray(0, SNIFF_BYTES)));
    return { sniffed, length: opened.bytes.length, body: () => opened.bytes, close: async () => undefined };
  }
  const file = await open(opened.path, 'r');
  try {
    const sniffed = rememberFormat(versionKey, sniffImageFormat(await readHandleStart(file, SNIFF_BYTES)));
    return {
      sniffed,
      length: resolved.meta.size,
      body: () => file.createReadStream({ start: 0 }),
      close: () => file.close(),
    };
  } catch (error) {
    await file.close();
    throw error;
  }
}
