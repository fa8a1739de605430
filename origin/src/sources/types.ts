/**
 * A source turns a path into metadata (cheap, no pixel bytes) and, only when a transform
 * actually runs, the bytes. `resolve` must never read the body: conditional requests are
 * answered from `meta` alone.
 */

export interface SourceMeta {
  /** Changes whenever the bytes change (path|size|mtime, an S3 ETag, a content digest). */
  readonly etagSeed: string;
  /** Stable identity of the source for logs and cache tags (e.g. the content digest or key). */
  readonly identity: string;
  readonly size?: number;
  readonly lastModified?: Date;
  readonly contentType?: string;
  /** The source's own Cache-Control, when it has one (overrides the default, not a mount override). */
  readonly cacheControl?: string;
  /** The key is content-addressed: its bytes can never change, so responses are immutable. */
  readonly immutable?: boolean;
}

/** The bytes of a source: a local file path (libvips reads it directly) or an in-memory buffer. */
export type SourceBody = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'bytes'; readonly bytes: Buffer };

export interface ResolvedSource {
  readonly meta: SourceMeta;
  /** Reads the bytes; honours `signal` (request deadline) and the byte cap. */
  open(options: OpenOptions): Promise<SourceBody>;
  /**
   * Reads at most the first `bytes` bytes, of the same version `meta` describes: enough to sniff
   * the format for a HEAD or a conditional request without the whole body. Optional: without it,
   * the start is taken from `open`.
   */
  readStart?(options: ReadStartOptions): Promise<Buffer>;
}

export interface ReadStartOptions {
  readonly signal: AbortSignal;
  readonly bytes: number;
}

export interface OpenOptions {
  readonly signal: AbortSignal;
  /** Refuse (413 source_too_large) past this many bytes. */
  readonly maxBytes: number;
}

export interface Source {
  /** For logs and /healthz: 'file', 's3', 'http', 'builtin'. */
  readonly kind: string;
  /**
   * Metadata for `path` (relative to the source root, no leading slash, already decoded).
   * Throws ImageCdnError: source_not_found (404), source_forbidden (400), source_fetch_error (502).
   */
  resolve(path: string, signal: AbortSignal): Promise<ResolvedSource>;
  /** Settles once the source can serve; rejects with why it never will (S3 without its SDK installed). */
  readonly ready?: Promise<void>;
  /** Releases the connections and clients the source holds; it serves nothing afterwards. */
  close?(): void | Promise<void>;
}
