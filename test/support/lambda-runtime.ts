/**
 * A stand-in for what the Node.js Lambda runtime gives a streaming handler, shaped as the runtime
 * documents and implements it: the global `awslambda` with `streamifyResponse(handler)` and
 * `HttpResponseStream.from(stream, prelude)`, which sets the stream's content type to
 * `application/vnd.awslambda.http-integration-response` and, just before the first write (and only
 * then), writes the JSON prelude and 8 null bytes. The response stream records every write, so a
 * test reads status, headers and body back the way a function URL does, chunk by chunk.
 */
import { Writable } from 'node:stream';

export const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

/** One answer as the function URL would read it from the stream. */
export interface StreamedAnswer {
  readonly contentType: string | undefined;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The body as it was written, write by write. */
  readonly bodyChunks: readonly Buffer[];
}

/** The runtime's response stream: an HTTP request body to the runtime API, here a recording Writable. */
export class RecordingResponseStream extends Writable {
  readonly writes: Buffer[] = [];
  contentType: string | undefined;
  onBeforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;
  private wrote = false;

  setContentType(contentType: string): void {
    if (this.wrote) throw new Error('Cannot set content-type, too late.');
    this.contentType = contentType;
  }

  override write(chunk: unknown, ...rest: unknown[]): boolean {
    if (!this.wrote) {
      this.wrote = true;
      this.onBeforeFirstWrite?.((first) => super.write(first));
    }
    return super.write(chunk, ...(rest as [BufferEncoding, () => void]));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(Buffer.from(chunk));
    callback();
  }

  /** Parses what was written: prelude, delimiter, body. Throws if the prelude never went out. */
  answer(): StreamedAnswer {
    const [prelude, delimiter, ...body] = this.writes;
    if (prelude === undefined || delimiter === undefined || !delimiter.equals(DELIMITER)) {
      throw new Error(`no prelude and delimiter at the start of the stream (${this.writes.length} writes)`);
    }
    const metadata = JSON.parse(prelude.toString('utf8')) as { statusCode: number; headers: Record<string, string> };
    // The runtime writes strings as chunks too; an empty write only triggers the prelude.
    const bodyChunks = body.filter((chunk) => chunk.length > 0);
    return { contentType: this.contentType, status: metadata.statusCode, headers: metadata.headers, body: Buffer.concat(bodyChunks), bodyChunks };
  }
}

/** Installs the stand-in as `globalThis.awslambda`, as the runtime does before it loads the handler module. */
export function installLambdaRuntime(): void {
  (globalThis as { awslambda?: unknown }).awslambda = {
    streamifyResponse: <T>(handler: T): T => handler,
    HttpResponseStream: {
      from(stream: RecordingResponseStream, prelude: Record<string, unknown>): RecordingResponseStream {
        stream.setContentType(PRELUDE_CONTENT_TYPE);
        const metadata = JSON.stringify(prelude);
        stream.onBeforeFirstWrite = (write) => {
          write(metadata);
          write(new Uint8Array(DELIMITER.length));
        };
        return stream;
      },
    },
  };
}
