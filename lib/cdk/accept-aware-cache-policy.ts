import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { resolveUrlOptions } from './url-options.js';
import { ImageCdnValidationError, validateQueryStrings, versionPatternProblem } from './validation.js';
import { ImageViewerRequestFunction, type UrlGrammar } from './viewer-request-function.js';

/** CloudFront's limit on the query strings a cache policy can name. */
export const MAX_CACHE_KEY_QUERY_STRINGS = 10;

export interface AcceptAwareCachePolicyProps {
  /**
   * Query string parameters that belong in the cache key besides those the grammars and signed
   * URLs need. With those, at most 10 (CloudFront's limit); ignored with `imgix`, which keys on
   * the whole query string.
   * @default - none
   */
  readonly queryStringAllowList?: readonly string[];
  /**
   * URL grammars the origin parses: the viewer-request function recognises format=auto in
   * these, and the cache key holds the query parameters they read (`tr` for ImageKit, the whole
   * query string for imgix).
   * @default ['cloudflare']
   */
  readonly grammars?: readonly UrlGrammar[];
  /**
   * ImageKit's URL endpoint (path prefix), as given to the origin. Only with the `imagekit` grammar.
   * @default '/'
   */
  readonly imagekitEndpoint?: string;
  /**
   * The origin's variants (name → Cloudflare option string); URLs naming one defined with
   * `format=auto` negotiate.
   * @default - none
   */
  readonly variants?: Readonly<Record<string, string>>;
  /**
   * The origin checks signed URLs: `sig` and `expires` (and ImageKit's `ik-s` and `ik-t`) join
   * the cache key and reach the origin, and the function leaves signed URLs as they are. Without
   * it, signature-like names carry nothing and the function writes every URL in canonical form.
   * @default false
   */
  readonly signedUrls?: boolean;
  /**
   * The origin's version-segment pattern (`IMAGE_CDN_VERSION_PATTERN`); '' when it has none.
   * @default '^/v[0-9]{1,6}/'
   */
  readonly versionPattern?: string;
  /**
   * TTL when the origin sends no Cache-Control.
   * @default Duration.days(1)
   */
  readonly defaultTtl?: Duration;
  /**
   * Longest time CloudFront keeps a response, whatever the origin says.
   * @default Duration.days(365)
   */
  readonly maxTtl?: Duration;
  /**
   * Shortest time CloudFront keeps a response; 0 lets the origin's `no-store` win.
   * @default Duration.seconds(0)
   */
  readonly minTtl?: Duration;
}

/**
 * The cache policy and viewer-request function that together make the image CDN's cache key:
 * the URL in each grammar's canonical form (edge/viewer-request.js) plus one normalised Accept
 * value; no cookies; only the query strings the grammars and signed URLs need (or are
 * allow-listed). TTLs follow the origin's Cache-Control within [minTtl, maxTtl].
 *
 * Use `behaviorOptions(origin)` to get a ready behaviour for a Distribution.
 */
export class AcceptAwareCachePolicy extends Construct {
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly edgeFunction: cloudfront.Function;

  constructor(scope: Construct, id: string, props: AcceptAwareCachePolicyProps = {}) {
    super(scope, id);
    const url = resolveUrlOptions(this, props);
    const versionProblem = props.versionPattern === undefined ? undefined : versionPatternProblem(props.versionPattern);
    if (versionProblem) throw new ImageCdnValidationError(this, versionProblem);
    validateQueryStrings(this, props.queryStringAllowList ?? []);
    const queryStrings = cacheKeyQueryStrings(url.grammars, props.signedUrls ?? false, props.queryStringAllowList ?? []);
    if (queryStrings !== 'all' && queryStrings.length > MAX_CACHE_KEY_QUERY_STRINGS) {
      throw new ImageCdnValidationError(
        this,
        `the cache key would need ${queryStrings.length} query strings (${queryStrings.join(', ')}); a CloudFront cache policy allows at most ${MAX_CACHE_KEY_QUERY_STRINGS}`,
      );
    }

    this.cachePolicy = new cloudfront.CachePolicy(this, 'Resource', {
      comment: 'image-cdn: path + normalised Accept',
      minTtl: props.minTtl ?? Duration.seconds(0),
      defaultTtl: props.defaultTtl ?? Duration.days(1),
      maxTtl: props.maxTtl ?? Duration.days(365),
      // The viewer-request function reduces Accept to at most "image/avif,image/webp".
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Accept'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      queryStringBehavior:
        queryStrings === 'all'
          ? cloudfront.CacheQueryStringBehavior.all()
          : queryStrings.length > 0
            ? cloudfront.CacheQueryStringBehavior.allowList(...queryStrings)
            : cloudfront.CacheQueryStringBehavior.none(),
      // Images are already compressed; an Accept-Encoding key would only split the cache.
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });
    this.edgeFunction = new ImageViewerRequestFunction(this, 'ViewerRequest', {
      grammars: url.grammars,
      ...(url.imagekitEndpoint !== undefined && { imagekitEndpoint: url.imagekitEndpoint }),
      autoFormatVariants: url.autoFormatVariants,
      ...(props.versionPattern !== undefined && { versionPattern: props.versionPattern }),
      signing: props.signedUrls ?? false,
      keepQueryStrings: props.queryStringAllowList ?? [],
    }).function;
  }

  /** A behaviour that serves images from `origin` with this cache key. */
  behaviorOptions(origin: cloudfront.IOrigin): cloudfront.BehaviorOptions {
    return {
      origin,
      cachePolicy: this.cachePolicy,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      compress: false,
      functionAssociations: [{ function: this.edgeFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };
  }
}

/**
 * The query strings in the cache key (CloudFront forwards exactly these to the origin): none for
 * the Cloudflare grammar, which keeps options in the path; `sig` and `expires` for signed URLs;
 * `tr` for ImageKit (and its `ik-s`, `ik-t` when signatures are checked); every query string
 * for imgix, whose options are query parameters of more names than an allow-list can hold.
 */
export function cacheKeyQueryStrings(grammars: readonly UrlGrammar[], signedUrls: boolean, extra: readonly string[] = []): string[] | 'all' {
  if (grammars.includes('imgix')) return 'all';
  const names = [
    ...extra,
    ...(signedUrls ? ['sig', 'expires'] : []),
    ...(grammars.includes('imagekit') ? ['tr', ...(signedUrls ? ['ik-s', 'ik-t'] : [])] : []),
  ];
  return [...new Set(names)];
}
