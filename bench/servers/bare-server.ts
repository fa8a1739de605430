/**
 * The floor of an HTTP image origin: bare node:http that answers `GET /<width>/<file>` with the
 * ceiling's own sharp call (bench/raw-sharp.ts: resize to `width`, JPEG at the small-source
 * case's quality) on `<root>/<file>`, buffered and written with its length. No routing beyond
 * that, no validation, no caching, no metadata policy: what any HTTP origin pays on top of raw
 * sharp is the socket, the request parsing and the write.
 */
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { SMALL_COLD_QUALITY } from '../cases.js';
import { rawSharp } from '../raw-sharp.js';
import { listenAndAnnounce } from './announce.js';

const root = process.argv[2];
if (!root) throw new Error('usage: bare-server.ts <root>');

const server = http.createServer((req, res) => {
  const match = /^\/(\d+)\/(.+)$/.exec(req.url ?? '');
  const file = match && decodeURIComponent(match[2]!);
  if (req.method !== 'GET' || !match || !file || file.split('/').includes('..')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  rawSharp(path.join(root, file), { image: 0, file, width: Number(match[1]), format: 'jpeg', quality: SMALL_COLD_QUALITY }).then(
    (data) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(data.length) }).end(data),
    (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
  );
});
server.keepAliveTimeout = 5_000;
listenAndAnnounce(server, sharp);
