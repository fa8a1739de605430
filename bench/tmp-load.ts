import { WorkerClient } from './rpc.js';
const url = process.argv[2]!;
const path = '/cdn-cgi/image/width=600,format=jpeg/fossa-4096x2304.jpg';
const etag = (await fetch(url + path, { method: 'HEAD' })).headers.get('etag')!;
const w = WorkerClient.start<any, any>(new URL('./load-worker.ts', import.meta.url).pathname, 'load', process.env);
for (const c of [1, 4]) {
  const r = await w.call({ type: 'load', baseUrl: url, requests: [{ path, method: 'GET', headers: { 'if-none-match': etag }, group: 0, expectStatus: 304 }], concurrency: c, durationMs: 4000 });
  console.log(c, r.completed / (r.elapsedMs / 1000));
}
w.stop();
