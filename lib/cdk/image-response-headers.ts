import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { ImageCdnValidationError } from './validation.js';

/**
 * The response headers viewers get from the distribution. CloudFront adds them to every response
 * it sends, from the cache or the origin alike, after the cache: they are not part of the cached
 * object and not in the cache key, so one cached image serves every site.
 */
export interface ImageResponseHeadersOptions {
  /**
   * Origins whose pages may read the images (`Access-Control-Allow-Origin`), which `<canvas>`,
   * WebGL and `<img crossorigin>` need. CloudFront answers CORS requests (those with an `Origin`
   * header) at the edge; the origin server sends no CORS headers of its own, and the `Origin`
   * header stays out of the cache key. Entries are `'*'` (alone) or origins such as
   * `'https://www.example.com'` (`'https://*.example.com'` for subdomains). An empty list sends no
   * CORS headers.
   * @default ['*']
   */
  readonly corsAllowOrigins?: readonly string[];
  /**
   * `Strict-Transport-Security` on every response. The distribution already redirects HTTP to
   * HTTPS; this stops a browser from trying HTTP first.
   * @default true
   */
  readonly hsts?: boolean;
  /**
   * HSTS `max-age`, whole seconds.
   * @default Duration.days(365)
   */
  readonly hstsMaxAge?: Duration;
  /**
   * HSTS `includeSubDomains`: only when every subdomain of `domainName` serves HTTPS.
   * @default false
   */
  readonly hstsIncludeSubdomains?: boolean;
  /**
   * HSTS `preload`; needs `hstsIncludeSubdomains` and a `hstsMaxAge` of at least a year.
   * @default false
   */
  readonly hstsPreload?: boolean;
  /**
   * `X-Content-Type-Options: nosniff` on every response, CloudFront's own error responses
   * included (the origin sends it on its own responses too, with the same value).
   * @default true
   */
  readonly contentTypeNosniff?: boolean;
  /**
   * `Timing-Allow-Origin`: pages of these origins may read the detailed timings of image loads
   * (Resource Timing), the origin's `Server-Timing` among them. Entries are `'*'` (alone) or
   * origins such as `'https://www.example.com'`; an empty list sends no header.
   * @default ['*']
   */
  readonly timingAllowOrigins?: readonly string[];
  /**
   * A response headers policy to attach instead of the one the props above build; give none of
   * those props with it.
   * @default - a policy built from the props above
   */
  readonly responseHeadersPolicy?: cloudfront.IResponseHeadersPolicy;
}

/** The props above that build a policy, which `responseHeadersPolicy` replaces. */
const HEADER_PROPS = ['corsAllowOrigins', 'hsts', 'hstsMaxAge', 'hstsIncludeSubdomains', 'hstsPreload', 'contentTypeNosniff', 'timingAllowOrigins'] as const;

const ORIGIN = /^https?:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?(:\d{1,5})?$/i;
const WILDCARD_ORIGIN = /^https?:\/\/\*\.([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?(:\d{1,5})?$/i;
const ONE_YEAR_SECONDS = 31_536_000;

/**
 * The response headers policy of `ImageCdn` (see `ImageResponseHeadersOptions`), or the one the
 * caller passed; `policy` is undefined when every header is switched off.
 */
export class ImageResponseHeaders extends Construct {
  readonly policy?: cloudfront.IResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: ImageResponseHeadersOptions = {}) {
    super(scope, id);
    if (props.responseHeadersPolicy) {
      const conflicting = HEADER_PROPS.find((name) => props[name] !== undefined);
      if (conflicting !== undefined) {
        throw new ImageCdnValidationError(
          this,
          `${conflicting} ${JSON.stringify(props[conflicting])} cannot be combined with responseHeadersPolicy, which replaces the policy it would configure`,
        );
      }
      this.policy = props.responseHeadersPolicy;
      return;
    }

    const corsOrigins = validatedOrigins(this, 'corsAllowOrigins', props.corsAllowOrigins ?? ['*'], true);
    const timingOrigins = validatedOrigins(this, 'timingAllowOrigins', props.timingAllowOrigins ?? ['*'], false);
    const hsts = hstsSettings(this, props);
    const nosniff = props.contentTypeNosniff ?? true;
    if (corsOrigins.length === 0 && timingOrigins.length === 0 && !hsts && !nosniff) return;

    this.policy = new cloudfront.ResponseHeadersPolicy(this, 'Resource', {
      // Names are account-wide, like cache policy names: the region keeps a stack deployable twice.
      responseHeadersPolicyName: `${Names.uniqueResourceName(this, { maxLength: 100 })}-${Stack.of(this).region}`,
      comment: 'image-cdn: CORS, HSTS, nosniff, Timing-Allow-Origin',
      ...(corsOrigins.length > 0 && {
        corsBehavior: {
          accessControlAllowOrigins: corsOrigins,
          // The distribution serves GET and HEAD only; images are simple requests, with no preflight.
          accessControlAllowMethods: ['GET', 'HEAD'],
          accessControlAllowHeaders: ['*'],
          accessControlAllowCredentials: false,
          // The policy is the one place these are set; the origin sends none today.
          originOverride: true,
        },
      }),
      ...((hsts || nosniff) && {
        securityHeadersBehavior: {
          ...(hsts && { strictTransportSecurity: { ...hsts, override: true } }),
          ...(nosniff && { contentTypeOptions: { override: true } }),
        },
      }),
      ...(timingOrigins.length > 0 && {
        customHeadersBehavior: {
          customHeaders: [{ header: 'Timing-Allow-Origin', value: timingOrigins.join(', '), override: true }],
        },
      }),
    });
  }
}

function validatedOrigins(scope: Construct, name: string, origins: readonly string[], wildcardSubdomains: boolean): string[] {
  for (const origin of origins) {
    if (Token.isUnresolved(origin) || origin === '*') continue;
    if (!ORIGIN.test(origin) && !(wildcardSubdomains && WILDCARD_ORIGIN.test(origin))) {
      throw new ImageCdnValidationError(
        scope,
        `${name} entry '${origin}' is not '*' or an origin such as 'https://www.example.com'${wildcardSubdomains ? " or 'https://*.example.com'" : ''}`,
      );
    }
  }
  if (origins.includes('*') && origins.length > 1) {
    throw new ImageCdnValidationError(
      scope,
      `${name} ${JSON.stringify(origins)} lists '*' with other origins; '*' already allows every origin, so give it alone`,
    );
  }
  return [...origins];
}

function hstsSettings(
  scope: Construct,
  props: ImageResponseHeadersOptions,
): { accessControlMaxAge: Duration; includeSubdomains: boolean; preload: boolean } | undefined {
  if (props.hsts === false) {
    const set = (['hstsMaxAge', 'hstsIncludeSubdomains', 'hstsPreload'] as const).find((name) => props[name] !== undefined);
    if (set !== undefined) throw new ImageCdnValidationError(scope, `${set} is set but hsts is false, so no Strict-Transport-Security header is sent`);
    return undefined;
  }
  const maxAge = props.hstsMaxAge ?? Duration.days(365);
  const seconds = maxAge.toSeconds({ integral: false });
  if (!Token.isUnresolved(seconds) && !(Number.isInteger(seconds) && seconds >= 1)) {
    throw new ImageCdnValidationError(
      scope,
      `hstsMaxAge ${maxAge.toHumanString()} must be a whole number of seconds, at least 1 (hsts: false sends no header)`,
    );
  }
  const includeSubdomains = props.hstsIncludeSubdomains ?? false;
  const preload = props.hstsPreload ?? false;
  if (preload && (!includeSubdomains || seconds < ONE_YEAR_SECONDS)) {
    throw new ImageCdnValidationError(
      scope,
      `hstsPreload needs hstsIncludeSubdomains and an hstsMaxAge of at least 365 days (got includeSubdomains ${includeSubdomains}, max-age ${maxAge.toHumanString()})`,
    );
  }
  return { accessControlMaxAge: maxAge, includeSubdomains, preload };
}
