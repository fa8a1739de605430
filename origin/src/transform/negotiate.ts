import type { OutputFormat, Pipeline, QualityPreset } from '../pipeline/types.js';

/** What this libvips build can write; AVIF needs libheif with an AV1 encoder. */
export interface EncoderCapabilities {
  readonly avif: boolean;
  readonly webp: boolean;
}

export interface FormatDecision {
  readonly format: OutputFormat | 'json';
  /** Accept decided the format, so the response must carry `Vary: Accept`. */
  readonly varyAccept: boolean;
  /** Set when the requested format could not be produced: `avif->webp`. */
  readonly fallback?: string;
}

/**
 * The output format for a request, decided from the URL, the Accept header and the source's
 * content type only, never from pixels, so the ETag can be computed before any byte is read.
 */
export function chooseFormat(
  requested: Pipeline['output']['format'],
  sourceContentType: string | undefined,
  accept: string | undefined,
  capabilities: EncoderCapabilities,
): FormatDecision {
  if (requested === 'json') return { format: 'json', varyAccept: false };
  if (requested === 'auto') {
    const accepted = acceptedImageTypes(accept);
    const animatedSource = sourceContentType === 'image/gif';
    // AVIF output cannot animate here; an animated source prefers animated WebP.
    if (accepted.has('image/avif') && capabilities.avif && !animatedSource) return { format: 'avif', varyAccept: true };
    if (accepted.has('image/webp') && capabilities.webp) return { format: 'webp', varyAccept: true };
    return { format: legacyFormat(sourceContentType), varyAccept: true };
  }
  if (requested === 'original') return { format: originalFormat(sourceContentType, capabilities), varyAccept: false };
  if (requested === 'avif' && !capabilities.avif) return { format: 'webp', varyAccept: false, fallback: 'avif->webp' };
  return { format: requested, varyAccept: false };
}

/** For clients that take neither AVIF nor WebP: PNG where alpha may matter, GIF keeps animation, else JPEG. */
function legacyFormat(contentType: string | undefined): OutputFormat {
  switch (contentType) {
    case 'image/gif':
      return 'gif';
    case 'image/png':
    case 'image/webp':
    case 'image/avif':
    case 'image/svg+xml':
      return 'png';
    default:
      return 'jpeg';
  }
}

/** No format option: keep the source's format when it is one we write. */
function originalFormat(contentType: string | undefined, capabilities: EncoderCapabilities): OutputFormat {
  switch (contentType) {
    case 'image/jpeg':
      return 'jpeg';
    case 'image/png':
      return 'png';
    case 'image/gif':
      return 'gif';
    case 'image/webp':
      return 'webp';
    case 'image/avif':
      return capabilities.avif ? 'avif' : 'png';
    default:
      return legacyFormat(contentType);
  }
}

/** Media types the client accepts with q > 0 (RFC 9110 §12.5.1); wildcards don't imply AVIF or WebP. */
export function acceptedImageTypes(accept: string | undefined): Set<string> {
  const accepted = new Set<string>();
  if (!accept) return accepted;
  for (const range of accept.slice(0, 4096).split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && !(Number(q.slice(2)) > 0)) continue;
    if (type) accepted.add(type.trim());
  }
  return accepted;
}

/** Client hints that mean "slow connection" (Cloudflare's slow-connection-quality triggers). */
export const SLOW_CONNECTION_HINTS = ['save-data', 'ect', 'rtt', 'downlink'] as const;

export interface QualityDecision {
  readonly quality: number | QualityPreset | undefined;
  /** Headers the decision read, for Vary. */
  readonly vary: readonly string[];
}

export function chooseQuality(output: Pipeline['output'], header: (name: string) => string | undefined): QualityDecision {
  if (output.slowConnectionQuality === undefined) return { quality: output.quality, vary: [] };
  const slow =
    header('save-data')?.trim().toLowerCase() === 'on' ||
    ['slow-2g', '2g', '3g'].includes(header('ect')?.trim().toLowerCase() ?? '') ||
    Number(header('rtt')) > 150 ||
    (header('downlink') !== undefined && Number(header('downlink')) < 5);
  return { quality: slow ? output.slowConnectionQuality : output.quality, vary: [...SLOW_CONNECTION_HINTS] };
}
