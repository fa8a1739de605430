import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { contentTypeFromPath } from '../sources/content-type.js';

/** A walk stops here: the gallery is for looking around, not for indexing a disk. */
export const MAX_LISTED_FILES = 5_000;
const MAX_VISITED = 50_000;

/**
 * Image files under `root` (by extension, as `serve`'s start-up example picks one), as sorted
 * paths relative to it. Names starting with "." are never entered or listed, since the origin
 * never serves them; directory symlinks are not followed. Whether a listed path is served (a file
 * symlink may point outside the root) is the file source's to say: the catalogue asks it.
 */
export async function listImageFiles(root: string, signal: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  const pending = [''];
  let visited = 0;
  while (pending.length > 0 && found.length < MAX_LISTED_FILES && visited < MAX_VISITED) {
    signal.throwIfAborted();
    const relative = pending.shift()!;
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch {
      continue; // unreadable: nothing of it can be served either
    }
    for (const entry of entries) {
      visited++;
      if (entry.name.startsWith('.')) continue;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) pending.push(child);
      else if ((entry.isFile() || entry.isSymbolicLink()) && contentTypeFromPath(entry.name) !== undefined) found.push(child);
    }
  }
  return found.sort().slice(0, MAX_LISTED_FILES);
}
