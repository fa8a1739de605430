import type { OriginConfig } from '../config.js';
import type { GrammarName } from '../config.js';
import { formatCloudflareOptions } from '../grammar/cloudflare.js';
import type { VariantTable } from '../pipeline/variants.js';
import { normaliseMountPrefix } from '../sources/mounts.js';
import { PAGE_SIZE } from './catalogue.js';

/** What the page needs to know of the origin: never a key, a root directory or a bucket. */
export interface PageConfig {
  readonly grammars: readonly GrammarName[];
  readonly imagekitEndpoint: string;
  /** The response header that carries the source's cache tag, if the origin sends one. */
  readonly cacheTagHeader: string | null;
  /** `server`: URLs must be signed and the page asks the server to sign them. */
  readonly signing: 'none' | 'optional' | 'server';
  readonly onlyVariants: boolean;
  /** Variant name → its canonical Cloudflare option string. */
  readonly variants: Readonly<Record<string, string>>;
  readonly mounts: ReadonlyArray<{ readonly prefix: string; readonly kind: string }>;
  readonly pageSize: number;
}

export function pageConfig(config: OriginConfig, variants: VariantTable, signs: boolean): PageConfig {
  return {
    grammars: config.grammars,
    imagekitEndpoint: config.imagekitEndpoint,
    cacheTagHeader: config.cacheTagHeader ?? null,
    signing: signs ? 'server' : config.signing ? 'optional' : 'none',
    onlyVariants: config.onlyVariants,
    variants: Object.fromEntries([...variants].map(([name, options]) => [name, formatCloudflareOptions(options)])),
    mounts: config.mounts.map((mount) => ({ prefix: normaliseMountPrefix(mount.prefix), kind: mount.source.type })),
    pageSize: PAGE_SIZE,
  };
}
