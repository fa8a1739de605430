import type { Readable } from 'node:stream';
import type { ImageCdnError } from '../errors.js';

/** What the core needs of a request; adapters (node:http, a Lambda URL) build it. */
export interface OriginRequest {
  readonly method: string;
  /** Raw request target: path plus query, still percent-encoded. */
  readonly url: string;
  /** Header lookup by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
}

/** How a response came about, for logs and metrics. */
export type Outcome = 'transformed' | 'coalesced' | 'not-modified' | 'head' | 'original' | 'redirect' | 'error' | 'operational';

export interface OriginResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | Readable;
  readonly outcome: Outcome;
  readonly error?: ImageCdnError;
  /** Milliseconds per phase, also sent as Server-Timing. */
  readonly timings?: Readonly<Record<string, number>>;
}
