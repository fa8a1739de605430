/**
 * ipx v3 over node:http, as its docs wire it: createIPX + ipxFSStorage + createIPXNodeServer.
 * ipx brings its own sharp (nested under node_modules/ipx), whose versions are reported.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { createIPX, createIPXNodeServer, ipxFSStorage } from 'ipx';
import { listenAndAnnounce } from './announce.js';

const root = process.argv[2];
if (!root) throw new Error('usage: ipx-server.ts <root>');

const ipxSharp = createRequire(import.meta.resolve('ipx'))('sharp') as typeof import('sharp');
const ipx = createIPX({ storage: ipxFSStorage({ dir: root }) });
const server = http.createServer(createIPXNodeServer(ipx));
listenAndAnnounce(server, ipxSharp);
