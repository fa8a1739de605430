import { Token } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { parseVariants } from '../../origin/src/pipeline/variants.js';
import { envVar } from '../../origin/src/settings/registry.js';
import { environmentFor } from '../../origin/src/settings/to-env.js';
import { ImageCdnValidationError, imagekitEndpointProblem } from './validation.js';
import { DEFAULT_URL_GRAMMARS, URL_GRAMMARS, type UrlGrammar } from './viewer-request-function.js';

/** Signed URLs: the origin's `IMAGE_CDN_SIGNING*` settings, with the keys kept in Secrets Manager. */
export interface UrlSigning {
  /**
   * A Secrets Manager secret whose (plain-text) value is the signing keys, comma-separated: the
   * first signs, all verify. ECS injects it as `IMAGE_CDN_SIGNING_KEYS` when a task starts, so
   * the keys never appear in the template; the task execution role may read this secret only.
   */
  readonly secret: secretsmanager.ISecret;
  /**
   * `required`: every request needs a valid signature; `optional`: a signature that is present
   * must be valid.
   * @default 'required'
   */
  readonly mode?: 'required' | 'optional';
  /**
   * Let unsigned requests for variants through in `required` mode.
   * @default false
   */
  readonly exemptVariants?: boolean;
}

/** The URL features of the origin, shared by ImageCdn and ImageOriginService. */
export interface ImageUrlOptions {
  /**
   * URL grammars the origin parses (`IMAGE_CDN_GRAMMARS`); the viewer-request function and the
   * cache key follow them.
   * @default ['cloudflare']
   */
  readonly grammars?: readonly UrlGrammar[];
  /**
   * ImageKit's URL endpoint: the path prefix before `tr:` (`/<imagekit_id>/`), or `/` on a custom
   * domain. Only with the `imagekit` grammar.
   * @default '/'
   */
  readonly imagekitEndpoint?: string;
  /**
   * Named variants: name (`[a-z0-9_-]{1,64}`) → Cloudflare option string, such as
   * `{ thumb: 'width=120,height=120,fit=cover' }`. Checked at synth with the origin's own parser
   * and passed to the container inline (`IMAGE_CDN_VARIANTS`).
   * @default - no variants
   */
  readonly variants?: Readonly<Record<string, string>>;
  /**
   * Serve only variants (and untransformed originals): no ad-hoc options, a bounded cache.
   * @default false
   */
  readonly onlyVariants?: boolean;
  /**
   * Signed URLs.
   * @default - signatures are neither required nor checked
   */
  readonly signing?: UrlSigning;
}

export interface ResolvedUrlOptions {
  readonly grammars: readonly UrlGrammar[];
  /** Set exactly when the `imagekit` grammar is on. */
  readonly imagekitEndpoint?: string;
  readonly variants?: Readonly<Record<string, string>>;
  /** Variants whose options include format=auto: their URLs negotiate. */
  readonly autoFormatVariants: readonly string[];
  readonly onlyVariants: boolean;
  readonly signing?: Required<UrlSigning>;
}

/** Validates the URL options and fills in the defaults; each error names the bad value. */
export function resolveUrlOptions(scope: IConstruct, options: ImageUrlOptions): ResolvedUrlOptions {
  const fail = (message: string): never => {
    throw new ImageCdnValidationError(scope, message);
  };
  const given = options.grammars ?? DEFAULT_URL_GRAMMARS;
  if (given.length === 0) fail(`grammars is empty; name at least one of ${URL_GRAMMARS.join(', ')}`);
  for (const grammar of given) {
    if (!URL_GRAMMARS.includes(grammar)) fail(`grammars entry '${grammar}' is not a URL grammar; use ${URL_GRAMMARS.join(', ')}`);
  }
  const grammars = [...new Set(given)];

  if (options.imagekitEndpoint !== undefined) {
    if (!grammars.includes('imagekit'))
      fail(`imagekitEndpoint '${options.imagekitEndpoint}' is set but grammars (${grammars.join(', ')}) do not include 'imagekit'`);
    const problem = imagekitEndpointProblem(options.imagekitEndpoint);
    if (problem) fail(problem);
  }

  const autoFormatVariants: string[] = [];
  if (options.variants !== undefined) {
    for (const [name, value] of Object.entries(options.variants)) {
      if (typeof value === 'string' && Token.isUnresolved(value)) fail(`variants entry '${name}' must be known at synth time, not a token`);
      if (value === '') fail(`variants entry '${name}' is empty; give a Cloudflare option string such as 'width=120,height=120,fit=cover'`);
    }
    const table = parseVariants(options.variants);
    if (!table.ok) fail(table.error.message);
    else for (const [name, variant] of table.value) if (variant.format === 'auto') autoFormatVariants.push(name);
  }
  const hasVariants = Object.keys(options.variants ?? {}).length > 0;
  if (options.onlyVariants && !hasVariants) fail('onlyVariants is set but no variants are defined, so the origin could serve untransformed originals only');

  let signing: Required<UrlSigning> | undefined;
  if (options.signing) {
    const mode = options.signing.mode ?? 'required';
    if (mode !== 'required' && mode !== 'optional') fail(`signing.mode '${String(mode)}' must be 'required' or 'optional'`);
    if (options.signing.exemptVariants && !hasVariants) fail('signing.exemptVariants is set but no variants are defined');
    signing = { secret: options.signing.secret, mode, exemptVariants: options.signing.exemptVariants ?? false };
  }

  return {
    grammars,
    ...(grammars.includes('imagekit') && { imagekitEndpoint: options.imagekitEndpoint ?? '/' }),
    ...(options.variants !== undefined && { variants: options.variants }),
    autoFormatVariants,
    onlyVariants: options.onlyVariants ?? false,
    ...(signing && { signing }),
  };
}

/** The origin container's plain environment for these options (the signing keys go through ECS secrets). */
export function urlOptionsEnvironment(resolved: ResolvedUrlOptions): Record<string, string> {
  return environmentFor({
    grammars: resolved.grammars,
    ...(resolved.imagekitEndpoint !== undefined && { imagekitEndpoint: resolved.imagekitEndpoint }),
    // The origin reads a value starting with `{` as the table itself, so no file is needed in the image.
    ...(resolved.variants !== undefined && { variants: resolved.variants }),
    ...(resolved.onlyVariants && { onlyVariants: true }),
    ...(resolved.signing && { signingMode: resolved.signing.mode }),
    ...(resolved.signing?.exemptVariants && { signingExemptVariants: true }),
  });
}

/** Settings the constructs own; `environment` may not set them, so props and container never disagree. */
export const MANAGED_ORIGIN_SETTINGS: readonly string[] = (
  [
    'port',
    's3Bucket',
    's3Prefix',
    'requestTimeoutMs',
    'grammars',
    'imagekitEndpoint',
    'variants',
    'onlyVariants',
    'signingMode',
    'signingKeys',
    'signingExemptVariants',
    'cacheTagHeader',
    'sourceCacheMiB',
    'sourceLevels',
    'loadBalancerIdleTimeoutMs',
  ] as const
).map(envVar);
