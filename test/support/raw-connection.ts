import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * One TCP connection speaking HTTP/1.1 by hand, as a load balancer does: requests go down the
 * same socket, and the test sees exactly when the server closes it.
 */
export class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  /** performance.now() when the server's FIN or a reset arrived; undefined while open. */
  closedAt: number | undefined;
  readonly closed: Promise<number>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.closedAt ??= performance.now();
        this.waiter?.();
        resolve(this.closedAt);
      };
      socket.once('end', done);
      socket.once('close', done);
    });
    socket.on('error', () => {}); // a reset is a close, seen through 'close'
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a GET and reads its response (which must have a Content-Length). */
  async get(path: string): Promise<RawResponse> {
    if (this.closedAt !== undefined) throw new Error('connection closed by the server');
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: origin\r\n\r\n`);
    return this.readResponse();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async readResponse(): Promise<RawResponse> {
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end !== -1) {
        const [statusLine, ...lines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
          }),
        );
        const length = Number(headers['content-length']);
        if (!Number.isInteger(length)) throw new Error(`response without Content-Length: ${statusLine}`);
        if (this.buffered.length >= end + 4 + length) {
          const body = this.buffered.subarray(end + 4, end + 4 + length);
          this.buffered = this.buffered.subarray(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers, body };
        }
      }
      if (this.closedAt !== undefined) throw new Error('connection closed by the server before a whole response');
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }
}
