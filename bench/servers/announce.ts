import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on a free port of 127.0.0.1 and prints the ready line bench/contenders.ts waits for:
 * the URL and the versions of the sharp that does the server's work. Stops on SIGTERM.
 */
export function listenAndAnnounce(
  server: http.Server,
  library: { readonly versions: { readonly sharp: string; readonly vips: string }; concurrency(): number },
): void {
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    const versions = {
      sharp: library.versions.sharp,
      vips: library.versions.vips,
      vipsConcurrency: `${library.concurrency()} (sharp's default)`,
      uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    };
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, versions })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
