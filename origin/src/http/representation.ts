import type { OutputFormat, Pipeline } from '../pipeline/types.js';
import type { SourceMeta } from '../sources/types.js';
import { chooseFormat, chooseQuality, type EncoderCapabilities } from '../transform/negotiate.js';
import { strongEtag } from './etag.js';
import type { RequestPlan } from './request-plan.js';
import type { OriginRequest } from './types.js';

/** Which bytes a transform request will get, decided from metadata and headers alone. */
export interface TransformRepresentation {
  readonly format: OutputFormat | 'json';
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  /** `"` base64url(sha256(etagSeed ǀ fingerprint ǀ format ǀ quality)) `"`: no pixels involved. */
  readonly etag: string;
  /** Request headers the choice depended on. */
  readonly vary: readonly string[];
  /** Set when the requested format could not be produced: `avif->webp`. */
  readonly fallback?: string | undefined;
}

/**
 * The format (explicit, or from Accept for `format=auto`) and quality (client hints for
 * `slow-connection-quality`), and the ETag of that answer, before any source byte is read.
 */
export function negotiateTransform({
  request,
  plan,
  meta,
  capabilities,
}: {
  readonly request: OriginRequest;
  readonly plan: RequestPlan;
  readonly meta: SourceMeta;
  readonly capabilities: EncoderCapabilities;
}): TransformRepresentation {
  const decision = chooseFormat(plan.pipeline.output.format, meta.contentType, request.header('accept'), capabilities);
  const quality = chooseQuality(plan.pipeline.output, (name) => request.header(name));
  return {
    format: decision.format,
    quality: quality.quality,
    etag: strongEtag(meta.etagSeed, plan.fingerprint, decision.format, String(quality.quality ?? '')),
    vary: [...(decision.varyAccept ? ['Accept'] : []), ...quality.vary.map(titleCase), ...plan.vary],
    fallback: decision.fallback,
  };
}

const titleCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
