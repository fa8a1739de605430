import net from 'node:net';

/**
 * A TCP server on 127.0.0.1 (port chosen by the OS) that accepts every connection and then
 * never answers, or (`midBody`) answers a request with a response head and the start of a body
 * and then goes quiet: what a hung endpoint or a dying proxy looks like to a client.
 */
export interface StallingServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections accepted so far: one per attempt of a client that does not reuse them. */
  readonly connections: number;
  /** Stops listening and drops every held connection. */
  close(): Promise<void>;
}

export async function startStallingServer(options: { readonly midBody?: boolean } = {}): Promise<StallingServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client gives up by resetting; nothing to report
    if (!options.midBody) return;
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      // 1,000 bytes promised, a few sent: the client has the head and waits for the rest.
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<?xml ver');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
