import type { GrammarName } from '../grammar/names.js';
import { createImageUrlParser, type ImageUrlParser } from '../grammar/index.js';
import type { Result } from '../errors.js';
import type { ImageRequest } from '../pipeline/types.js';
import { isVariantRequest } from '../pipeline/variants.js';
import { readAsAuthorised } from '../signing/authorised-grammar.js';
import type { SigningScheme } from '../signing/scheme.js';
import type { PlanCache } from './plan-cache.js';
import { splitTarget, type RequestTarget } from './request-target.js';

export interface UrlReaderOptions {
  readonly grammars: readonly GrammarName[];
  readonly imagekitEndpoint?: string;
  /** The version-segment pattern (compileVersionPattern); empty: off. */
  readonly versionPattern: string;
  /** Keeps each URL's parse. */
  readonly plans: PlanCache;
}

/** What the enabled grammars read in a request target: an image request, a refusal, or nothing (an original). */
export class UrlReader {
  private readonly versionSegment: RegExp | undefined;
  private readonly parseImageUrl: ImageUrlParser;
  /** One parser per enabled grammar, for signed URLs that authorise a single grammar. */
  private readonly grammarParsers: ReadonlyMap<GrammarName, ImageUrlParser>;
  private readonly plans: PlanCache;

  constructor({ grammars, imagekitEndpoint, versionPattern, plans }: UrlReaderOptions) {
    this.versionSegment = compileVersionPattern(versionPattern);
    this.parseImageUrl = createImageUrlParser(grammars, { imagekitEndpoint });
    this.grammarParsers = new Map(grammars.map((g) => [g, createImageUrlParser([g], { imagekitEndpoint })]));
    this.plans = plans;
  }

  /** `/v2/cdn-cgi/image/...` → `/cdn-cgi/image/...`: the version only busts caches; the origin ignores it. */
  withoutVersion(pathname: string): string {
    return this.versionSegment ? pathname.replace(this.versionSegment, '/') : pathname;
  }

  /**
   * Parses once per URL: an exempt-variant check and the request itself share the result. A URL
   * signed with a hosted service's scheme is read only by that service's grammar.
   */
  parse({ pathname, search, scheme }: RequestTarget & { readonly scheme?: SigningScheme | undefined }): Result<ImageRequest> | undefined {
    return readAsAuthorised(scheme, (grammar) =>
      grammar === undefined
        ? this.plans.parse(`${pathname}${search}`, () => this.parseImageUrl(pathname, search))
        : this.plans.parse(`${grammar}:${pathname}${search}`, () => this.grammarParsers.get(grammar)?.(pathname, search)),
    );
  }

  /** Whether an unsigned target (version segment and all) asks for a named variant. */
  isVariantUrl({ pathname, search }: RequestTarget): boolean {
    const parsed = this.parse({ pathname: this.withoutVersion(pathname), search });
    return parsed?.ok === true && isVariantRequest(parsed.value.options);
  }

  /**
   * Whether an enabled grammar reads the raw request target as an image request, valid or not,
   * whatever its signature: such a URL is this origin's to answer even when the answer is an error.
   */
  readsAsImageUrl(url: string): boolean {
    const { pathname, search } = splitTarget(url);
    return this.parseImageUrl(this.withoutVersion(pathname), search) !== undefined;
  }
}

/** The version-segment pattern as a RegExp; undefined when empty (off). Throws naming a pattern that is not anchored. */
export function compileVersionPattern(pattern: string): RegExp | undefined {
  if (!pattern) return undefined;
  if (!pattern.startsWith('^/') || !pattern.endsWith('/')) {
    throw new Error(`versionPattern must start with "^/" and end with "/", got "${pattern}"`);
  }
  return new RegExp(pattern);
}
