/**
 * The floor for cheap paths: bare node:http answering a matching If-None-Match with 304
 * (ETag and Cache-Control only), anything else with a tiny 200. No routing, no I/O.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const FLOOR_ETAG = '"floor-etag-0123456789abcdefghijklmnopqrstuv"';

const server = http.createServer((req, res) => {
  if (req.headers['if-none-match'] === FLOOR_ETAG) {
    res.writeHead(304, { etag: FLOOR_ETAG, 'cache-control': 'public, max-age=3600' });
    res.end();
    return;
  }
  res.writeHead(200, { etag: FLOOR_ETAG, 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
