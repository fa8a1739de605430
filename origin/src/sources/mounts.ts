import type { Source } from './types.js';

export interface Mount {
  /** `/uploads/` (trailing slash optional) or `/` for everything. */
  readonly prefix: string;
  readonly source: Source;
  /** Cache-Control for every successful response from this mount; wins over source metadata. */
  readonly cacheControl?: string;
}

export interface MountMatch {
  readonly source: Source;
  /** The path below the mount prefix, without a leading slash. */
  readonly relativePath: string;
  readonly cacheControl?: string;
  /** The matched mount's prefix, normalised (`/uploads/`). */
  readonly prefix: string;
}

export interface MountTable {
  /** The mount with the longest prefix that contains `pathname`, matched on whole path segments. */
  match(pathname: string): MountMatch | undefined;
}

/**
 * Routes source paths to sources: `/uploads/` → S3, `/static/` → files, and so on. Prefixes end
 * at a segment boundary, so `/uploads/` never claims `/uploadsX/a.jpg`.
 */
export function createMountTable(mounts: readonly Mount[]): MountTable {
  const seen = new Set<string>();
  const table = mounts.map((mount) => {
    const prefix = normaliseMountPrefix(mount.prefix);
    if (seen.has(prefix)) throw new Error(`mount prefix "${prefix}" is configured twice`);
    seen.add(prefix);
    return { ...mount, prefix };
  });
  // Longest first, so the first hit is the most specific mount.
  table.sort((a, b) => b.prefix.length - a.prefix.length);

  return {
    match(pathname) {
      const path = pathname.startsWith('/') ? pathname : `/${pathname}`;
      for (const mount of table) {
        if (!path.startsWith(mount.prefix)) continue;
        const relativePath = path.slice(mount.prefix.length);
        // `/uploads/` itself names no object; a shorter mount may still serve the path.
        if (relativePath === '') continue;
        return {
          source: mount.source,
          relativePath,
          prefix: mount.prefix,
          ...(mount.cacheControl !== undefined && { cacheControl: mount.cacheControl }),
        };
      }
      return undefined;
    },
  };
}

/** `/uploads`, `uploads/` and `/uploads/` are the same mount; the result always ends in `/`. */
export function normaliseMountPrefix(prefix: string): string {
  if (/[?#\\]/.test(prefix) || prefix.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`invalid mount prefix "${prefix}": expected a path such as "/uploads/"`);
  }
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
