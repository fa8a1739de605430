/**
 * The Lambda origin's handler, as `npm run build` bundles it (origin/lambda/bundle/handler.mjs), run
 * here with this machine's sharp under a stand-in for the Node.js runtime's response streaming
 * (test/support/lambda-runtime.ts), and fed real function URL events (payload 2.0). Every answer is
 * compared with the same request answered over HTTP by the container's bundle (what a Fargate task
 * runs) with the same settings: status, headers and bytes are equal except the headers Node's HTTP
 * server adds itself (`Date`, `Connection`, `Keep-Alive`) and the durations inside `Server-Timing`,
 * which are measured per request (its metric names must match).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE } from '../../../origin/bundle.js';
import { STREAM_CHUNK_BYTES } from '../../../origin/src/lambda/response-stream.js';
import { killIfRunning, type RunningContainer, startContainerBundle } from '../../support/container.js';
import { type EventRequest, functionUrlEvent } from '../../support/function-url-event.js';
import { installLambdaRuntime, PRELUDE_CONTENT_TYPE, RecordingResponseStream, type StreamedAnswer } from '../../support/lambda-runtime.js';
import { REPO } from '../../support/origin.js';
import { pngHeaderOnly } from '../../support/png-header.js';

const MiB = 1024 * 1024;
/** Set by Node's HTTP server on every response, never by the origin: not part of what is compared. */
const SERVER_ADDED_HEADERS = ['date', 'connection', 'keep-alive'];

/** The settings both origins get: what the constructs write, with a file root for S3. */
const SHARED_SETTINGS = {
  IMAGE_CDN_GRAMMARS: 'cloudflare,imgix',
  IMAGE_CDN_CACHE_TAG_HEADER: 'x-image-cdn-cache-tag',
  IMAGE_CDN_MAX_SOURCE_BYTES: String(16 * MiB),
  IMAGE_CDN_REQUEST_TIMEOUT_MS: '10000',
  IMAGE_CDN_ACCESS_LOG: 'false',
  NODE_ENV: 'production',
};
/** What ImageOriginFunction adds for a 2,048 MB function (its maxResponseSize lowered so a test answer passes it). */
const LAMBDA_SETTINGS = {
  IMAGE_CDN_CONCURRENCY: '2',
  IMAGE_CDN_QUEUE_SIZE: '0',
  IMAGE_CDN_MAX_RESPONSE_BYTES: String(8 * MiB),
};

type Handler = (event: ReturnType<typeof functionUrlEvent>, stream: RecordingResponseStream, context: unknown) => Promise<void>;

let images: string;
let handler: Handler;
let fargate: RunningContainer;

beforeAll(async () => {
  images = await mkdtemp(path.join(tmpdir(), 'image-cdn-lambda-'));
  await writeFixtures(images);
  fargate = await startContainerBundle(path.join(REPO, 'origin', 'container'), { ...SHARED_SETTINGS, IMAGE_CDN_FILE_ROOT: images });

  installLambdaRuntime();
  Object.assign(process.env, SHARED_SETTINGS, LAMBDA_SETTINGS, { IMAGE_CDN_FILE_ROOT: images });
  ({ handler } = (await import(path.join(LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE))) as { handler: Handler });
}, 120_000);

afterAll(async () => {
  if (fargate) await killIfRunning(fargate.child);
  await rm(images, { recursive: true, force: true });
});

async function writeFixtures(directory: string): Promise<void> {
  const gradient = Buffer.alloc(1200 * 800 * 3);
  for (let i = 0; i < gradient.length; i++) gradient[i] = (i * 7 + Math.floor(i / 3600)) % 251;
  await sharp(gradient, { raw: { width: 1200, height: 800, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(path.join(directory, 'photo one.jpg'));
  await sharp({ create: { width: 96, height: 64, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 0.6 } } })
    .png()
    .toFile(path.join(directory, 'café.png'));
  // Noise does not compress: a PNG of it is as large as its pixels.
  await sharp(randomBytes(2000 * 1200 * 3), { raw: { width: 2000, height: 1200, channels: 3 } })
    .png()
    .toFile(path.join(directory, 'noise.png'));
  await sharp(randomBytes(2000 * 1600 * 3), { raw: { width: 2000, height: 1600, channels: 3 } })
    .png()
    .toFile(path.join(directory, 'noise-big.png'));
  await writeFile(path.join(directory, 'too-big.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(17 * MiB)]));
  await writeFile(path.join(directory, 'bomb.png'), pngHeaderOnly(100_000, 100_000));
}

async function invoke(request: EventRequest): Promise<StreamedAnswer> {
  const stream = new RecordingResponseStream();
  await handler(functionUrlEvent(request), stream, {});
  expect(stream.writableFinished, 'the handler ends the stream').toBe(true);
  return stream.answer();
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The same request over HTTP, its target sent byte for byte as the event carries it. */
function overHttp({ method = 'GET', target, headers = {} }: EventRequest): Promise<HttpAnswer> {
  const { hostname, port } = new URL(fargate.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, method, path: target, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Headers as compared: Server-Timing by its metric names, without the headers Node's server adds. */
function comparable(headers: Record<string, string>): Record<string, string> {
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !SERVER_ADDED_HEADERS.includes(name)));
  if (kept['server-timing'] !== undefined) kept['server-timing'] = kept['server-timing'].replace(/;dur=[0-9.]+/g, '');
  return kept;
}

async function expectSameAnswer(request: EventRequest): Promise<StreamedAnswer> {
  const [lambda, container] = [await invoke(request), await overHttp(request)];
  expect(lambda.contentType).toBe(PRELUDE_CONTENT_TYPE);
  expect(lambda.status, request.target).toBe(container.status);
  expect(comparable(lambda.headers), request.target).toEqual(comparable(container.headers));
  expect(lambda.body.equals(container.body), `${request.target}: ${lambda.body.length} bytes against ${container.body.length}`).toBe(true);
  return lambda;
}

describe('the Lambda handler answers as the container origin does', () => {
  const photo = '/cdn-cgi/image/width=320,format=auto/photo%20one.jpg';

  it('negotiates AVIF from Accept on a percent-encoded path, with the same ETag, Vary and cache tag', async () => {
    const answer = await expectSameAnswer({ target: photo, headers: { accept: 'image/avif,image/webp,*/*' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/avif');
    expect(answer.headers['vary']).toBe('Accept');
    expect(answer.headers['x-image-cdn-cache-tag']).toBeDefined();
    expect((await sharp(answer.body).metadata()).width).toBe(320);
  });

  it('negotiates WebP for a browser without AVIF', async () => {
    const answer = await expectSameAnswer({ target: photo, headers: { accept: 'image/webp,*/*' } });
    expect(answer.headers['content-type']).toBe('image/webp');
  });

  it('answers If-None-Match with a bodiless 304 that still carries its status and headers', async () => {
    const first = await invoke({ target: photo, headers: { accept: 'image/avif,image/webp,*/*' } });
    const answer = await expectSameAnswer({ target: photo, headers: { accept: 'image/avif,image/webp,*/*', 'if-none-match': first.headers['etag']! } });
    expect(answer.status).toBe(304);
    expect(answer.body.length).toBe(0);
    expect(answer.headers['etag']).toBe(first.headers['etag']);
  });

  it('answers HEAD without a body', async () => {
    const answer = await expectSameAnswer({ method: 'HEAD', target: '/cdn-cgi/image/width=48,format=webp/caf%C3%A9.png' });
    expect([answer.status, answer.body.length]).toEqual([200, 0]);
  });

  it('reads imgix options from the query string, with the path percent-encoded in either case', async () => {
    const answer = await expectSameAnswer({ target: '/photo%20one.jpg?w=200&h=150&fit=crop&auto=format', headers: { accept: 'image/webp,*/*' } });
    const meta = await sharp(answer.body).metadata();
    expect([answer.headers['content-type'], meta.width, meta.height]).toEqual(['image/webp', 200, 150]);
    expect((await expectSameAnswer({ target: '/caf%c3%a9.png?w=32&fm=png' })).status).toBe(200);
  });

  it('judges dot segments in the target as sent, as the container does, rather than resolved by URL parsing', async () => {
    for (const target of ['/cdn-cgi/image/width=64/a/../photo%20one.jpg', '/cdn-cgi/image/width=64/a/%2e%2e/photo%20one.jpg', '/a/%2E%2E/photo%20one.jpg']) {
      expect((await expectSameAnswer({ target })).headers['x-image-cdn-error'], target).toBe('source_forbidden');
    }
  });

  it('sends the same tagged errors', async () => {
    expect((await expectSameAnswer({ target: '/cdn-cgi/image/width=banana/photo%20one.jpg' })).headers['x-image-cdn-error']).toBe('invalid_option');
    expect((await expectSameAnswer({ target: '/cdn-cgi/image/width=100/absent.jpg' })).headers['x-image-cdn-error']).toBe('source_not_found');
  });

  it('serves an original as its own bytes', async () => {
    const answer = await expectSameAnswer({ target: '/photo%20one.jpg' });
    expect(answer.headers['content-type']).toBe('image/jpeg');
  });

  it('streams an answer above 6 MB in pieces of at most 1 MiB', async () => {
    const answer = await expectSameAnswer({ target: '/cdn-cgi/image/format=png/noise.png' });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBeGreaterThan(6 * MiB);
    expect(answer.bodyChunks.length).toBeGreaterThanOrEqual(Math.ceil(answer.body.length / STREAM_CHUNK_BYTES));
    expect(Math.max(...answer.bodyChunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(STREAM_CHUNK_BYTES);
  });

  it('refuses a source over maxSourceBytes or over the pixel limit with a 413 before decoding it', async () => {
    for (const target of ['/cdn-cgi/image/width=100/too-big.jpg', '/cdn-cgi/image/width=100/bomb.png']) {
      const started = performance.now();
      const answer = await expectSameAnswer({ target });
      // A decode of 10 gigapixels would take minutes and gigabytes; the header alone decides.
      expect(performance.now() - started, target).toBeLessThan(2_000);
      expect([answer.status, answer.headers['x-image-cdn-error']], target).toEqual([413, 'source_too_large']);
      expect(answer.headers['server-timing'], target).toBeUndefined();
    }
  });
});

describe('the response limit the Lambda origin adds (IMAGE_CDN_MAX_RESPONSE_BYTES)', () => {
  it('answers a transform whose output is over the limit with a tagged 413, where the container has no limit', async () => {
    const target = '/cdn-cgi/image/format=png/noise-big.png';
    const answer = await invoke({ target });
    expect([answer.status, answer.headers['x-image-cdn-error']]).toEqual([413, 'response_too_large']);
    expect(answer.body.toString()).toMatch(/the answer is \d+ bytes; the limit is 8388608/);
    expect((await overHttp({ target })).status).toBe(200);
  });

  it('refuses an original over the limit from its size, before reading it', async () => {
    const answer = await invoke({ target: '/noise-big.png' });
    expect([answer.status, answer.headers['x-image-cdn-error']]).toEqual([413, 'response_too_large']);
    expect(answer.headers['cache-control']).toBe('public, max-age=60');
  });
});

describe('the handler in a process of its own, as the runtime loads it', () => {
  it('writes the JSON access log to stdout as it is, and the metrics as EMF lines across frozen intervals', async () => {
    const child = path.join(REPO, 'test', 'support', 'lambda-child.ts');
    const requests = [{ target: '/cdn-cgi/image/width=64,format=webp/photo%20one.jpg' }, { target: '/cdn-cgi/image/width=64,format=webp/absent.jpg' }];
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, JSON.stringify(requests)], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        ...SHARED_SETTINGS,
        ...LAMBDA_SETTINGS,
        IMAGE_CDN_ACCESS_LOG: 'true',
        IMAGE_CDN_EMF: 'true',
        IMAGE_CDN_EMF_SERVICE: 'lambda-handler-test',
        // An interval passes while the instance is frozen between the two events.
        IMAGE_CDN_EMF_INTERVAL_MS: '1000',
        LAMBDA_CHILD_FREEZE_MS: '1200',
        IMAGE_CDN_FILE_ROOT: images,
      },
    });
    const answers = JSON.parse(stderr.trim().split('\n').at(-1)!) as Array<{ status: number }>;
    expect(answers.map((answer) => answer.status)).toEqual([200, 404]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line['path'] !== undefined)).toMatchObject([
      { method: 'GET', path: '/cdn-cgi/image/width=64,format=webp/photo%20one.jpg', status: 200, outcome: 'transformed' },
      { method: 'GET', path: '/cdn-cgi/image/width=64,format=webp/absent.jpg', status: 404, outcome: 'error', error: 'source_not_found' },
    ]);
    expect(lines.some((line) => line['_aws'] !== undefined && line['Service'] === 'lambda-handler-test')).toBe(true);
  });
});
