import type { Readable } from 'node:stream';
import { errors, ImageCdnError } from '../errors.js';

/**
 * Buffers a body stream, refusing (413) as soon as it passes `maxBytes` rather than after
 * reading everything, and giving up when `signal` aborts (the request deadline).
 * The stream is destroyed on every early exit so its socket is released.
 */
export async function readBounded(
  stream: Readable | AsyncIterable<Uint8Array>,
  { maxBytes, signal, what }: { readonly maxBytes: number; readonly signal: AbortSignal; readonly what: string },
): Promise<Buffer> {
  const destroy = (reason?: Error) => {
    if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy(reason);
  };
  if (signal.aborted) {
    destroy();
    throw abortError(signal, what);
  }
  const onAbort = () => destroy(abortError(signal, what));
  signal.addEventListener('abort', onAbort, { once: true });
  // A Readable without an encoding yields Buffers.
  const body: AsyncIterable<Uint8Array> = stream;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        destroy();
        throw errors.sourceTooLarge(`source "${what}" is larger than the limit of ${maxBytes} bytes`);
      }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } catch (error) {
    if (signal.aborted) throw abortError(signal, what);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks, total);
}

/** The request deadline passed while a source was being read: 504, unless the caller gave a tagged reason. */
export function abortError(signal: AbortSignal, what: string): ImageCdnError {
  if (signal.reason instanceof ImageCdnError) return signal.reason;
  return new ImageCdnError('request_timeout', 504, `reading source "${what}" was cut off by the request deadline`);
}

/**
 * The first `bytes` bytes of a body stream (fewer if it is shorter), then the stream is destroyed:
 * for sniffing a format even when the server ignored a Range request and sends everything.
 */
export async function readStartOf(
  stream: Readable | AsyncIterable<Uint8Array>,
  { bytes, signal, what }: { readonly bytes: number; readonly signal: AbortSignal; readonly what: string },
): Promise<Buffer> {
  const body: AsyncIterable<Uint8Array> = stream;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      if (signal.aborted) throw abortError(signal, what);
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      total += chunk.byteLength;
      if (total >= bytes) break;
    }
  } finally {
    if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
  }
  return Buffer.concat(chunks, total).subarray(0, bytes);
}
