import type { MountConfig } from '../config.js';
import { errors, ImageCdnError } from '../errors.js';
import { normaliseMountPrefix, type MountTable } from '../sources/mounts.js';
import { listImageFiles } from './list-files.js';

/** Sources per gallery page. */
export const PAGE_SIZE = 24;

export interface CatalogueEntry {
  /** The source path the grammars take (below the origin's root, no leading slash, not encoded). */
  readonly path: string;
  readonly bytes?: number;
}

export interface CataloguePage {
  readonly entries: readonly CatalogueEntry[];
  /** The cursor of the next page, if there is one. */
  readonly next?: string;
  /** How many sources the mount has, when that is known without listing them all (files). */
  readonly total?: number;
}

/**
 * One page of a mount's sources: files under its root, or keys under its S3 prefix. Every entry is
 * resolved by the source that would serve it, through the mount table, so the gallery shows only
 * what an image URL could reach: confinement to the root, hidden names, symlinks and longer mounts
 * that shadow a path are the origin's own rules, not a copy of them.
 */
export async function cataloguePage(mount: MountConfig, router: MountTable, cursor: string | undefined, signal: AbortSignal): Promise<CataloguePage> {
  const listed = await listMount(mount, cursor, signal);
  const prefix = normaliseMountPrefix(mount.prefix);
  const entries = await Promise.all(
    listed.entries.map(async (entry) => {
      const path = `${prefix.slice(1)}${entry.path}`;
      const match = router.match(`/${path}`);
      if (!match || match.prefix !== prefix) return undefined;
      try {
        const { meta } = await match.source.resolve(match.relativePath, signal);
        const bytes = meta.size ?? entry.bytes;
        return { path, ...(bytes !== undefined && { bytes }) };
      } catch (error) {
        if (error instanceof ImageCdnError && error.status < 500) return undefined;
        throw error;
      }
    }),
  );
  return { ...listed, entries: entries.filter((entry) => entry !== undefined) };
}

async function listMount(
  mount: MountConfig,
  cursor: string | undefined,
  signal: AbortSignal,
): Promise<{ entries: readonly CatalogueEntry[]; next?: string; total?: number }> {
  const { source } = mount;
  if (source.type === 's3') {
    // The AWS SDK loads only for an S3 mount, as the S3 source itself does.
    const { listS3Page } = await import('./list-s3.js');
    return listS3Page(source, PAGE_SIZE, cursor, signal);
  }
  const offset = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) throw errors.invalidOption('cursor', cursor ?? '', 'a cursor the gallery was given');
  const all = await listImageFiles(source.root, signal);
  const next = offset + PAGE_SIZE < all.length ? String(offset + PAGE_SIZE) : undefined;
  return { entries: all.slice(offset, offset + PAGE_SIZE).map((path) => ({ path })), total: all.length, ...(next && { next }) };
}
