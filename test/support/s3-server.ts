import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/**
 * A real S3-protocol server (s3rver, file-backed in a temp directory) on 127.0.0.1, port chosen
 * by the OS. Requests pass through a thin recorder first, so tests can count what reached "S3",
 * make the next requests fail the way S3 fails (503 SlowDown, 500), delay them, or take the whole
 * server down and bring it back on the same port.
 */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/images/uploads/abc.png?x-id=GetObject`. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`; the same across stop()/start(). */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly buckets: readonly string[];
  /** Every request received since start or the last resetRequests(), injected failures included. */
  readonly requests: readonly RecordedRequest[];
  resetRequests(): void;
  /** The next `count` requests get an S3 error document with this status and code instead of reaching s3rver. */
  failNext(count: number, status: number, code: string): void;
  /** The next `count` requests wait `ms` before s3rver sees them. */
  delayNext(count: number, ms: number): void;
  /** A client for this server: path-style, static credentials, small retry budget. */
  client(options?: { readonly maxAttempts?: number }): S3Client;
  /** Environment for the SDK's standard chain (AWS_ENDPOINT_URL_S3 and friends), e.g. for a child process. */
  env(): Record<string, string>;
  /** Stops listening and drops open connections: S3 is unreachable until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server, destroys the clients it made and deletes its files. */
  close(): Promise<void>;
}

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const REGION = 'us-east-1';

export async function startS3Server(options: { readonly buckets?: readonly string[] } = {}): Promise<S3TestServer> {
  const buckets = options.buckets ?? ['images'];
  const directory = mkdtempSync(path.join(tmpdir(), 'image-cdn-s3-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();

  const requests: RecordedRequest[] = [];
  const failures: { status: number; code: string }[] = [];
  const delays: number[] = [];
  const clients: S3Client[] = [];

  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers });
    const failure = failures.shift();
    if (failure) {
      request.resume();
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${failure.code}</Code><Message>injected by the test</Message></Error>`;
      response.writeHead(failure.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    const delay = delays.shift();
    if (delay === undefined) return handle(request, response);
    const timer = setTimeout(() => handle(request, response), delay);
    response.on('close', () => clearTimeout(timer));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    endpoint,
    port,
    region: REGION,
    buckets,
    requests,
    resetRequests: () => void requests.splice(0),
    failNext: (count, status, code) => {
      for (let i = 0; i < count; i++) failures.push({ status, code });
    },
    delayNext: (count, ms) => {
      for (let i = 0; i < count; i++) delays.push(ms);
    },
    client: ({ maxAttempts = 2 } = {}) => {
      const client = new S3Client({
        endpoint,
        region: REGION,
        forcePathStyle: true,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
        maxAttempts,
        requestHandler: { connectionTimeout: 2_000 },
      });
      clients.push(client);
      return client;
    },
    env: () => ({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    }),
    stop,
    start: () => (server.listening ? Promise.resolve() : listen(port)),
    close: async () => {
      for (const client of clients) client.destroy();
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Points the AWS SDK's standard environment at the test server, for an origin started in this
 * process; the returned function puts the previous values back.
 */
export function useS3Environment(s3: S3TestServer): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(s3.env())) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
