/**
 * Sends a fetch Response down the Node.js Lambda runtime's response stream (invoke mode
 * RESPONSE_STREAM). The runtime offers it as the global `awslambda`: `streamifyResponse` marks a
 * handler as streaming, and `HttpResponseStream.from` makes the stream send a function URL's
 * status and headers, as a JSON prelude and eight null bytes, just before the first body bytes.
 */

/** The writable the runtime hands a streaming handler (an HTTP request to the runtime API, chunked). */
export interface ResponseStream {
  write(chunk: string | Uint8Array): boolean;
  end(callback?: () => void): void;
  once(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
  removeListener(event: 'drain' | 'error', listener: (...args: unknown[]) => void): unknown;
}

/** What a function URL answers with: the prelude `HttpResponseStream.from` writes. */
export interface HttpResponseMetadata {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type StreamingHandler<E> = (event: E, responseStream: ResponseStream, context: unknown) => Promise<void>;

/** The Node.js Lambda runtime's global helpers for streaming handlers. */
export interface LambdaRuntime {
  streamifyResponse<E>(handler: StreamingHandler<E>): StreamingHandler<E>;
  readonly HttpResponseStream: {
    from(responseStream: ResponseStream, metadata: HttpResponseMetadata): ResponseStream;
  };
}

declare global {
  // Provided by the Lambda runtime before the handler module loads.
  var awslambda: LambdaRuntime;
}

/**
 * Largest piece written at once. A transform's output is one buffer; writing it in bounded pieces,
 * each after the runtime has taken the last, streams it at the pace the runtime sends it on instead
 * of queuing the whole answer in its socket buffer.
 */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/** Streams `response` (status, headers, body) and resolves once the runtime has all of it. */
export async function streamResponse(response: Response, responseStream: ResponseStream): Promise<void> {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers),
  });
  let wrote = false;
  if (response.body) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        for (let offset = 0; offset < read.value.length; offset += STREAM_CHUNK_BYTES) {
          wrote = true;
          if (!stream.write(read.value.subarray(offset, offset + STREAM_CHUNK_BYTES))) await drained(stream);
        }
      }
    } catch (error) {
      // The body's own resources (a file, an S3 stream) are released; the invocation fails, cutting the answer short.
      await reader.cancel(error).catch(() => undefined);
      throw error;
    }
  }
  // The prelude goes out with the first write: an answer without body bytes (304, HEAD) still needs one.
  if (!wrote) stream.write('');
  await new Promise<void>((resolve) => stream.end(resolve));
}

function drained(stream: ResponseStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.removeListener('error', onError);
      resolve();
    };
    const onError = (error: unknown) => {
      stream.removeListener('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
