/**
 * The Lambda origin's init, measured locally: a fresh `node` loads the bundled handler
 * (origin/lambda/bundle/handler.mjs, as `npm run build` makes it) with the environment
 * ImageOriginFunction gives a 2,048 MB function, until the module has loaded: settings parsed,
 * sharp and libvips loaded, the S3 source ready. That is the work Lambda's init phase does before
 * the first event (it calls no AWS API; the signing-keys read is off here). Two figures per run:
 * `ready`, the child's own clock at that point (Node's time origin is the process start), and
 * `spawn to exit`, as the parent sees the whole process. Each variant runs `runs` times; medians.
 *
 *   npm run build && npx tsx bench/lambda-init.ts [runs]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE } from '../origin/bundle.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 10);

/** What the function's environment holds with the defaults (lib/cdk/image-origin-function.ts), S3 included. */
const FUNCTION_ENVIRONMENT = {
  IMAGE_CDN_S3_BUCKET: 'image-cdn-sources-example',
  IMAGE_CDN_REQUEST_TIMEOUT_MS: '10000',
  IMAGE_CDN_SOURCE_CACHE_MB: '256',
  IMAGE_CDN_CONCURRENCY: '2',
  IMAGE_CDN_QUEUE_SIZE: '0',
  IMAGE_CDN_MAX_RESPONSE_BYTES: String(50 * 1024 * 1024),
  IMAGE_CDN_EMF: 'true',
  IMAGE_CDN_EMF_NAMESPACE: 'ImageCdn',
  IMAGE_CDN_EMF_SERVICE: 'ImageCdnOriginE9F591DA',
  IMAGE_CDN_GRAMMARS: 'cloudflare',
  IMAGE_CDN_CACHE_TAG_HEADER: 'x-image-cdn-cache-tag',
  MALLOC_ARENA_MAX: '2',
  NODE_ENV: 'production',
  AWS_REGION: 'eu-west-1',
};

// What the runtime provides before it loads a handler module, reduced to what init touches.
const CHILD = `
globalThis.awslambda = { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (stream) => stream } };
await import(${JSON.stringify(path.join(LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE))});
process.stdout.write(JSON.stringify({ ready: performance.now() }));
`;

interface Run {
  readonly ready: number;
  readonly wall: number;
}

function once(nodeOptions: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENVIRONMENT, ...(nodeOptions && { NODE_OPTIONS: nodeOptions }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`init exited ${code}: ${output}`));
      resolve({ ready: (JSON.parse(output) as { ready: number }).ready, wall: performance.now() - started });
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

for (const [name, nodeOptions] of [
  ['as deployed (NODE_OPTIONS=--enable-source-maps)', '--enable-source-maps'],
  ['without source maps', ''],
] as const) {
  await once(nodeOptions); // warms the file cache, as a warm host would have it
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(nodeOptions));
  const ready = results.map((run) => run.ready);
  process.stdout.write(
    `${name}: ready ${median(ready).toFixed(0)} ms median (${Math.min(...ready).toFixed(0)}-${Math.max(...ready).toFixed(0)}), ` +
      `spawn to exit ${median(results.map((run) => run.wall)).toFixed(0)} ms median, ${runs} runs, node ${process.version}\n`,
  );
}
