import type { OriginConfig } from '../config.js';
import { errors, ImageCdnError } from '../errors.js';
import { errorResponse } from '../http/error-response.js';
import { MAX_URL_LENGTH } from '../limits.js';
import type { PageHandler } from '../http/image-origin.js';
import type { OriginResponse } from '../http/types.js';
import type { VariantTable } from '../pipeline/variants.js';
import type { MountTable } from '../sources/mounts.js';
import { cataloguePage } from './catalogue.js';
import { createPageFiles } from './page-files.js';
import { pageConfig } from './page-config.js';
import { fileResponse, jsonResponse } from './responses.js';
import { createSigner } from './signer.js';
import { thumbnailUrl } from './thumbnails.js';

/**
 * The playground's paths: the page at `/`, its files and read-only JSON calls under a prefix that
 * starts with "." (a name the origin never serves as a source, so it shadows none).
 */
export const PLAYGROUND_PREFIX = '/.playground/';

export interface PlaygroundDeps {
  readonly router: MountTable;
  readonly variants: VariantTable;
}

/** The playground as the origin's pages (http's PageHandler): it answers `/` and the paths under PLAYGROUND_PREFIX. */
export function createPlayground(config: OriginConfig, deps: PlaygroundDeps): PageHandler {
  const file = createPageFiles();
  const sign = createSigner(config, deps.router);
  const settings = pageConfig(config, deps.variants, sign !== undefined);

  async function route(name: string, query: URLSearchParams, head: boolean): Promise<OriginResponse> {
    // Each call ends by the request deadline, as an image request does.
    const signal = AbortSignal.timeout(config.limits.requestTimeoutMs);
    switch (name) {
      case 'api/config':
        return jsonResponse(settings, head);
      case 'api/sources': {
        const index = Number(query.get('mount') ?? '0');
        const mount = Number.isSafeInteger(index) ? config.mounts[index] : undefined;
        if (!mount) throw errors.invalidOption('mount', query.get('mount') ?? '', `a mount index from 0 to ${config.mounts.length - 1}`);
        const page = await cataloguePage(mount, deps.router, query.get('cursor') ?? undefined, signal);
        const entries = await Promise.all(
          page.entries.map(async (entry) => {
            const thumbnail = thumbnailUrl(config, entry.path);
            return { ...entry, thumbnail: sign ? await sign(thumbnail, signal) : thumbnail };
          }),
        );
        return jsonResponse({ ...page, entries }, head);
      }
      case 'api/sign':
        if (!sign) break;
        return jsonResponse({ url: await sign(query.get('url') ?? '', signal) }, head);
      default: {
        const found = await file(name);
        if (found) return fileResponse(found.body, found.contentType, head);
      }
    }
    throw errors.notFound(`${PLAYGROUND_PREFIX}${name}`);
  }

  return {
    answer(request) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
      const queryAt = request.url.indexOf('?');
      const pathname = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
      const name = request.url === '/' ? 'index.html' : pathname.startsWith(PLAYGROUND_PREFIX) ? pathname.slice(PLAYGROUND_PREFIX.length) : undefined;
      if (name === undefined) return undefined;
      const head = request.method === 'HEAD';
      if (request.url.length > MAX_URL_LENGTH)
        return Promise.resolve(errorResponse(errors.uriTooLong(request.url.length, MAX_URL_LENGTH), config.cacheControl, head));
      return route(name, new URLSearchParams(queryAt < 0 ? '' : request.url.slice(queryAt + 1)), head).catch((error: unknown) => {
        if (error instanceof ImageCdnError) return errorResponse(error, config.cacheControl, head);
        throw error;
      });
    },
  };
}
