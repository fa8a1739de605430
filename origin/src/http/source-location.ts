import { errors } from '../errors.js';
import { builtinSource, HEALTH_IMAGE_PATH } from '../sources/builtin.js';
import type { MountTable } from '../sources/mounts.js';
import type { ResolvedSource, Source } from '../sources/types.js';

/** Which source serves a path, the path as that source names it, and the mount's Cache-Control. */
export interface SourceLocation {
  readonly source: Source;
  readonly relativePath: string;
  readonly cacheControl?: string | undefined;
}

/**
 * An absolute http(s) source goes to `httpSource` (refused without it), the health image to the
 * built-in source, anything else to the mount whose prefix holds it (404 without one).
 */
export function locateSource({
  path,
  router,
  httpSource,
}: {
  /** A mount path without its leading `/`, or an absolute URL. */
  readonly path: string;
  readonly router: MountTable;
  readonly httpSource: Source | undefined;
}): SourceLocation {
  if (/^https?:\/\//i.test(path)) {
    if (!httpSource) {
      throw errors.sourceForbidden(path, 'absolute http(s) sources are not enabled on this origin (configure httpSource.allowHosts)');
    }
    return { source: httpSource, relativePath: path };
  }
  if (path === HEALTH_IMAGE_PATH) return { source: builtinSource, relativePath: path };
  const match = router.match(`/${path}`);
  if (!match) throw errors.sourceNotFound(path);
  return match;
}

/** The source's metadata, and how to read its bytes: no body is read yet. */
export function resolveSource({ location, signal }: { readonly location: SourceLocation; readonly signal: AbortSignal }): Promise<ResolvedSource> {
  return location.source.resolve(location.relativePath, signal);
}
