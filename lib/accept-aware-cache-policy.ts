import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { ImageViewerRequestFunction } from './viewer-request-function.js';
import { validateQueryStrings } from './validation.js';

export interface AcceptAwareCachePolicyProps {
  /**
   * Query string parameters that belong in the cache key, for URL grammars that carry
   * options in the query (imgix-style `?w=600`). At most 10.
   * @default - no query strings in the cache key
   */
  readonly queryStringAllowList?: readonly string[];
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
 * URL path (with the Cloudflare option list in canonical order) plus one normalised Accept
 * value; no cookies; no query strings unless allow-listed. TTLs follow the origin's
 * Cache-Control within [minTtl, maxTtl].
 *
 * Use `behaviorOptions(origin)` to get a ready behaviour for a Distribution.
 */
export class AcceptAwareCachePolicy extends Construct {
  readonly cachePolicy: cloudfront.CachePolicy;
  readonly edgeFunction: cloudfront.Function;

  constructor(scope: Construct, id: string, props: AcceptAwareCachePolicyProps = {}) {
    super(scope, id);
    const queryStrings = props.queryStringAllowList ?? [];
    validateQueryStrings(this, queryStrings);

    this.cachePolicy = new cloudfront.CachePolicy(this, 'Resource', {
      comment: 'image-cdn: path + normalised Accept',
      minTtl: props.minTtl ?? Duration.seconds(0),
      defaultTtl: props.defaultTtl ?? Duration.days(1),
      maxTtl: props.maxTtl ?? Duration.days(365),
      // The viewer-request function reduces Accept to at most "image/avif,image/webp".
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Accept'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      queryStringBehavior: queryStrings.length > 0
        ? cloudfront.CacheQueryStringBehavior.allowList(...queryStrings)
        : cloudfront.CacheQueryStringBehavior.none(),
      // Images are already compressed; an Accept-Encoding key would only split the cache.
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });
    this.edgeFunction = new ImageViewerRequestFunction(this, 'ViewerRequest').function;
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
