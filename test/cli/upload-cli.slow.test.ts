import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstCaseCallMs } from '../../lib/aws/client-limits.js';
import { DEFAULT_UPLOAD_LIMITS } from '../../lib/upload/index.js';
import { parseImageUrl } from '../../origin/src/grammar/index.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startStallingServer, type StallingServer } from '../support/stalling-server.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = path.join(REPO, 'samples');
const BUCKET = 'cli-uploads';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let s3: S3TestServer;
let dir: string;

/** Runs the real CLI (`dist/bin/image-cdn.js put …`, the built CLI) against the test S3 server, via the SDK's environment chain. */
function put(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, 'dist/bin/image-cdn.js'), 'put', ...args],
      {
        cwd: REPO,
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, ...s3.env(), IMAGE_CDN_S3_FORCE_PATH_STYLE: 'true', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  dir = mkdtempSync(path.join(tmpdir(), 'image-cdn-cli-'));
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('image-cdn put', () => {
  const fossa = path.join(SAMPLES, 'fossa.jpg');
  const alpha = path.join(SAMPLES, 'alpha.png');

  it('uploads, prints key and example URL per file; a second run uploads nothing', async () => {
    const first = await put([fossa, alpha, '--bucket', BUCKET, '--base-url', 'https://images.example.com']);
    expect(first.stderr).not.toContain('image-cdn put:');
    expect(first.code).toBe(0);
    const fossaKey = `uploads/${sha256(fossa)}.jpg`;
    const alphaKey = `uploads/${sha256(alpha)}.png`;
    expect(first.stdout).toBe(
      `${fossa}\n  key: ${fossaKey} (uploaded)\n  url: https://images.example.com/cdn-cgi/image/format=auto,width=600/${fossaKey}\n` +
        `${alpha}\n  key: ${alphaKey} (uploaded)\n  url: https://images.example.com/cdn-cgi/image/format=auto,width=600/${alphaKey}\n`,
    );
    const writes = s3.requests.filter((r) => r.method === 'PUT').length;
    expect(writes).toBe(2);

    s3.resetRequests();
    const second = await put([fossa, alpha, '--bucket', BUCKET]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`key: ${fossaKey} (already present)`);
    expect(second.stdout).toContain(`url: /cdn-cgi/image/format=auto,width=600/${fossaKey}`);
    expect(s3.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('--json prints the results, and the example URL parses back to the key', async () => {
    const result = await put([alpha, '--bucket', BUCKET, '--prefix', 'json', '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { file: string; key: string; sha256: string; uploaded: boolean; url: string }[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ file: alpha, key: `json/${sha256(alpha)}.png`, sha256: sha256(alpha), uploaded: true });
    const request = parseImageUrl(parsed[0]!.url, '');
    expect(request?.ok && request.value).toMatchObject({ source: parsed[0]!.key, options: { width: 600, format: 'auto' } });
  });

  it('a non-image fails with exit code 1 and a message naming it, uploading nothing', async () => {
    const text = path.join(dir, 'readme.jpg');
    writeFileSync(text, 'not an image');
    s3.resetRequests();
    const result = await put([alpha, text, '--bucket', BUCKET, '--prefix', 'mixed/']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`image-cdn put: ${text} is not an image`);
    expect(result.stdout).toBe('');
    expect(s3.requests).toHaveLength(0);
  });

  it('a missing --bucket is a usage error', async () => {
    const result = await put([alpha]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--bucket <name>' not specified");
  });

  it('the bucket can come from IMAGE_CDN_S3_BUCKET', async () => {
    const result = await put([fossa, '--prefix', 'env/'], { IMAGE_CDN_S3_BUCKET: BUCKET });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`key: env/${sha256(fossa)}.jpg (uploaded)`);
  });
});

describe('image-cdn put when S3 fails', () => {
  const fossa = path.join(SAMPLES, 'fossa.jpg');
  let staller: StallingServer;
  beforeAll(async () => {
    staller = await startStallingServer();
  });
  afterAll(async () => {
    await staller?.close();
  });

  it('exits 4 naming the endpoint and the timeout when S3 accepts the connection and never answers', async () => {
    const started = Date.now();
    const result = await put([fossa, '--bucket', BUCKET, '--request-timeout', '500', '--max-attempts', '2'], { AWS_ENDPOINT_URL_S3: staller.url });
    const ms = Date.now() - started;
    expect(result.code).toBe(4);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(`image-cdn put: S3 at ${staller.url} did not answer within 500 ms (request timeout); 2 attempts`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
    expect(ms).toBeGreaterThanOrEqual(2 * 500);
    // Node and the CLI's modules load in well under 3 s.
    expect(ms).toBeLessThan(worstCaseCallMs({ ...DEFAULT_UPLOAD_LIMITS, requestTimeoutMs: 500, maxAttempts: 2 }) + 3_000);
  });

  it('exits 3 with the S3 error when S3 refuses', async () => {
    s3.failNext(1, 403, 'AccessDenied');
    const result = await put([fossa, '--bucket', BUCKET, '--prefix', 'denied/']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^image-cdn put: checking s3:\/\/cli-uploads\/denied\/[0-9a-f]{64}\.jpg failed: S3 answered 403/m);
  });

  it('refuses a timeout that is not a positive number of milliseconds', async () => {
    const result = await put([fossa, '--bucket', BUCKET, '--request-timeout', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected a positive whole number of milliseconds, got "0"');
  });
});
