import { realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import { createContentAddressMatcher } from './content-address.js';
import { contentTypeFromPath } from './content-type.js';
import { readFileStart } from './file-start.js';
import { refuseHiddenSegments } from './hidden-path.js';
import type { ResolvedSource, Source } from './types.js';

/**
 * Files under one root directory. Every path is confined to the root: `..` segments,
 * absolute paths, NUL bytes and symlinks whose target lies outside the root are refused.
 */
export interface FileSourceOptions {
  /**
   * How long a file's metadata (realpath + stat) is reused. Revalidations are the hot path of a
   * CDN origin and two file-system calls cost several times the rest of a 304; the price is that
   * a file replaced in place is noticed up to this much later. 0 disables the cache.
   * @default 1000
   */
  readonly metadataTtlMs?: number;
  /** @default 10000 */
  readonly metadataCacheEntries?: number;
}

export function createFileSource(root: string, options: FileSourceOptions = {}): Source {
  const realRoot = realpathSync(path.resolve(root));
  const contentDigest = createContentAddressMatcher();
  const ttl = options.metadataTtlMs ?? 1000;
  const maxEntries = options.metadataCacheEntries ?? 10_000;
  const recent = new Map<string, { readonly until: number; readonly resolved: ResolvedSource }>();

  return {
    kind: 'file',
    async resolve(relative: string): Promise<ResolvedSource> {
      const now = performance.now();
      const cached = recent.get(relative);
      if (cached && cached.until > now) return cached.resolved;
      const resolved = await resolveFile(relative);
      if (ttl > 0) {
        recent.delete(relative);
        // Insertion order is age order: drop the oldest entry when full.
        if (recent.size >= maxEntries) recent.delete(recent.keys().next().value!);
        recent.set(relative, { until: now + ttl, resolved });
      }
      return resolved;
    },
  };

  async function resolveFile(relative: string): Promise<ResolvedSource> {
    const candidate = confine(realRoot, relative);
    const real = await realpath(candidate).catch((error: NodeJS.ErrnoException) => {
      // A name longer than the file system allows cannot exist either: a request, not the disk, is at fault.
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'ENAMETOOLONG') throw errors.sourceNotFound(relative);
      throw errors.fetchFailed(relative, error.code ?? 'file system error');
    });
    if (!isInside(realRoot, real)) throw errors.sourceForbidden(relative, 'it resolves outside the source root');
    // A symlink with an ordinary name must not reach a dotfile either.
    refuseHiddenSegments(relative, path.relative(realRoot, real).split(path.sep));
    const info = await stat(real);
    if (!info.isFile()) throw errors.sourceNotFound(relative);
    const contentType = contentTypeFromPath(real);
    // Metadata may be up to a TTL old: bytes must never be served under another version's ETag.
    const unchanged = async () => {
      const now = await stat(real).catch(() => undefined);
      if (!now) throw errors.sourceNotFound(relative);
      if (now.size !== info.size || now.mtimeMs !== info.mtimeMs) throw errors.fetchFailed(relative, 'it changed while being read; retry');
    };
    return {
      meta: {
        etagSeed: `file|${relative}|${info.size}|${info.mtimeMs}`,
        identity: relative,
        size: info.size,
        lastModified: info.mtime,
        ...(contentType && { contentType }),
        // A file named by its own sha256 is content-addressed by convention, as on S3.
        ...(contentDigest(relative) !== undefined && { immutable: true }),
      },
      open: async ({ maxBytes }) => {
        if (info.size > maxBytes) throw errors.sourceTooLarge(`source is ${info.size} bytes; the limit is ${maxBytes}`);
        await unchanged();
        return { kind: 'file', path: real };
      },
      readStart: async ({ bytes }) => {
        await unchanged();
        return readFileStart(real, bytes);
      },
    };
  }
}

function confine(root: string, relative: string): string {
  if (relative.includes('\0')) throw errors.sourceForbidden(relative, 'NUL byte in path');
  if (relative.includes('\\')) throw errors.sourceForbidden(relative, 'backslash in path');
  if (path.isAbsolute(relative)) throw errors.sourceForbidden(relative, 'absolute path');
  if (relative.split('/').some((segment) => segment === '..')) throw errors.sourceForbidden(relative, '".." segment');
  refuseHiddenSegments(relative, relative.split('/'));
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) throw errors.sourceForbidden(relative, 'it resolves outside the source root');
  return candidate;
}

const isInside = (root: string, candidate: string) => candidate.startsWith(root + path.sep);
