import { realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import { createContentAddressMatcher } from './content-address.js';
import { contentTypeFromPath } from './content-type.js';
import type { ResolvedSource, Source } from './types.js';

/**
 * Files under one root directory. Every path is confined to the root: `..` segments,
 * absolute paths, NUL bytes and symlinks whose target lies outside the root are refused.
 */
export function createFileSource(root: string): Source {
  const realRoot = realpathSync(path.resolve(root));
  const contentDigest = createContentAddressMatcher();

  return {
    kind: 'file',
    async resolve(relative: string): Promise<ResolvedSource> {
      const candidate = confine(realRoot, relative);
      const real = await realpath(candidate).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw errors.sourceNotFound(relative);
        throw errors.fetchFailed(relative, error.code ?? 'file system error');
      });
      if (!isInside(realRoot, real)) throw errors.sourceForbidden(relative, 'it resolves outside the source root');
      const info = await stat(real);
      if (!info.isFile()) throw errors.sourceNotFound(relative);
      const contentType = contentTypeFromPath(real);
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
          return { kind: 'file', path: real };
        },
      };
    },
  };
}

function confine(root: string, relative: string): string {
  if (relative.includes('\0')) throw errors.sourceForbidden(relative, 'NUL byte in path');
  if (relative.includes('\\')) throw errors.sourceForbidden(relative, 'backslash in path');
  if (path.isAbsolute(relative)) throw errors.sourceForbidden(relative, 'absolute path');
  if (relative.split('/').some((segment) => segment === '..')) throw errors.sourceForbidden(relative, '".." segment');
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) throw errors.sourceForbidden(relative, 'it resolves outside the source root');
  return candidate;
}

const isInside = (root: string, candidate: string) => candidate.startsWith(root + path.sep);
