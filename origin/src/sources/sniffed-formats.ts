import type { Sniffed } from './image-format.js';

/**
 * Sniffed formats of source versions, shared by transforms and originals, so a HEAD or a
 * revalidation of an original after a transform (or another HEAD) reads nothing more. The key is
 * the source path and its ETag seed (`sourceVersionKey`), the key of the decoded-source cache too:
 * the seed changes whenever the bytes do, so an entry can never describe other bytes.
 */
const MAX_ENTRIES = 10_000;
const formats = new Map<string, Sniffed>();

export const sourceVersionKey = (sourcePath: string, etagSeed: string) => `${sourcePath}|${etagSeed}`;

export function rememberedFormat(key: string): Sniffed | undefined {
  return formats.get(key);
}

export function rememberFormat(key: string, sniffed: Sniffed): Sniffed {
  formats.delete(key);
  // Insertion order is age order: drop the oldest when full.
  if (formats.size >= MAX_ENTRIES) formats.delete(formats.keys().next().value!);
  formats.set(key, sniffed);
  return sniffed;
}
