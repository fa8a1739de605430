/**
 * ipx v3 over node:http, as its docs wire it: createIPX + ipxFSStorage + createIPXNodeServer.
 * ipx brings its own sharp (nested under node_modules/ipx), whose versions are reported.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';

const root = process.argv[2];
if (!root) throw new Error('usage: ipx-server.ts <root>');

const ipxSharp = createRequire(import.meta.resolve('ipx'))('sharp') as typeof import('sharp');
const ipx = createIPX({ storage: ipxFSStorage({ dir: root }) });
const server = http.createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({
      url: `http://127.0.0.1:${port}`,
      versions: {
        sharp: ipxSharp.versions.sharp,
        vips: ipxSharp.versions.vips,
        vipsConcurrency: `${ipxSharp.concurrency()} (sharp's default)`,
        uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
      },
    })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
