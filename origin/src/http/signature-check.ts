import type { OriginConfig } from '../config-types.js';
import type { SigningScheme } from '../signing/scheme.js';
import { verifyRequest, type UnsignedUrl, type VerifiedUrl } from '../signing/verify.js';
import type { RequestTarget } from './request-target.js';

/** A request target with its signature taken out, and what the signature said. */
export type SignedTarget = RequestTarget & Partial<Pick<VerifiedUrl, 'scheme' | 'expiresAt'>>;

export interface SignatureCheckOptions {
  readonly config: Pick<OriginConfig, 'signing' | 'grammars' | 'imagekitEndpoint'>;
  /** Whether an unsigned target asks for a named variant (exempt when `signing.exemptVariants`). */
  readonly isVariantUrl: (url: UnsignedUrl) => boolean;
}

/**
 * The origin's signature policy (signing/verify.ts) over the request target exactly as sent.
 * What it returns, the URL without its signature, is what the grammars read.
 */
export class SignatureCheck {
  private readonly schemes: readonly SigningScheme[];

  constructor(private readonly options: SignatureCheckOptions) {
    // Each enabled hosted grammar brings its own signature scheme, so migrated signed URLs keep working.
    this.schemes = ['native', ...options.config.grammars.filter((g): g is Exclude<typeof g, 'cloudflare'> => g !== 'cloudflare')];
  }

  verify({ target }: { readonly target: RequestTarget }): SignedTarget {
    const { signing, imagekitEndpoint } = this.options.config;
    if (!signing) return target;
    const verified = verifyRequest(target.pathname, target.search, {
      keys: signing.keys,
      mode: signing.mode,
      now: Math.floor(Date.now() / 1000),
      schemes: this.schemes,
      imagekitEndpoint,
      ...(signing.exemptVariants && { exempt: (url) => this.options.isVariantUrl(url) }),
    });
    if (!verified.ok) throw verified.error;
    return verified.value;
  }
}
