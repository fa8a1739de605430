import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyRequest } from '../../origin/src/signing/verify.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'cli-signing-key-0123456789';
const SECOND = 'second-signing-key-abcdef';

/** Runs the real CLI: `dist/bin/image-cdn.js sign …` (the built CLI). */
function sign(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, 'dist/bin/image-cdn.js'), 'sign', ...args],
      { cwd: REPO, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function verifies(url: string, keys: string[], now = Math.floor(Date.now() / 1000)) {
  const at = url.indexOf('?');
  return verifyRequest(url.slice(0, at), url.slice(at), { keys, mode: 'required', now });
}

describe('image-cdn sign', () => {
  it('prints a signed path that the origin accepts', async () => {
    const { code, stdout, stderr } = await sign(['/cdn-cgi/image/width=600,format=auto/photos/a.jpg', '--signing-key', KEY]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const url = stdout.trim();
    expect(url).toMatch(/^\/cdn-cgi\/image\/width=600,format=auto\/photos\/a\.jpg\?sig=[A-Za-z0-9_-]{43}$/);
    expect(verifies(url, [KEY])).toMatchObject({ ok: true, value: { signed: true, pathname: '/cdn-cgi/image/width=600,format=auto/photos/a.jpg' } });
    expect(verifies(url, [SECOND]).ok).toBe(false);
  });

  it('signs with the first of several keys and adds an expiry with --expires', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { code, stdout } = await sign(['/a.jpg?w=300', '--signing-key', KEY, '--signing-key', SECOND, '--expires', '120']);
    expect(code).toBe(0);
    const url = stdout.trim();
    const expires = Number(/expires=(\d+)/.exec(url)?.[1]);
    expect(expires).toBeGreaterThanOrEqual(before + 120);
    expect(expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 120);
    expect(verifies(url, [KEY])).toMatchObject({ ok: true, value: { search: '?w=300', expiresAt: expires } });
    expect(verifies(url, [SECOND]).ok).toBe(false);
    const late = verifies(url, [KEY], expires);
    expect(!late.ok && late.error.tag).toBe('signature_expired');
  });

  it('keeps the scheme and host of a full URL and signs its path', async () => {
    const { stdout } = await sign(['https://cdn.example.com/cdn-cgi/image/width=80/a.jpg', '--signing-key', KEY]);
    const url = stdout.trim();
    expect(url).toMatch(/^https:\/\/cdn\.example\.com\/cdn-cgi\/image\/width=80\/a\.jpg\?sig=/);
    expect(verifies(url.replace('https://cdn.example.com', ''), [KEY]).ok).toBe(true);
  });

  it('takes the key from IMAGE_CDN_SIGNING_KEY', async () => {
    const { code, stdout } = await sign(['/a.jpg'], { IMAGE_CDN_SIGNING_KEY: KEY });
    expect(code).toBe(0);
    expect(verifies(stdout.trim(), [KEY]).ok).toBe(true);
  });

  it('fails with a clear message and no output on bad input', async () => {
    const [noKey, shortKey, relative, badExpiry] = await Promise.all([
      sign(['/a.jpg']),
      sign(['/a.jpg', '--signing-key', 'short']),
      sign(['a.jpg', '--signing-key', KEY]),
      sign(['/a.jpg', '--signing-key', KEY, '--expires', 'soon']),
    ]);
    expect(noKey).toMatchObject({ code: 2, stdout: '' });
    expect(noKey.stderr).toMatch(/no signing key given/);
    expect(shortKey.code).toBe(2);
    expect(shortKey.stderr).toMatch(/signing key 1 is 5 characters; use at least 16/);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toMatch(/starts with "\/"/);
    expect(badExpiry.code).not.toBe(0);
    expect(badExpiry.stderr).toMatch(/--expires takes a whole number of seconds/);
  });
});

describe('image-cdn sign errors', () => {
  it('are one line on stderr, "image-cdn sign: <message>", exit 2 for a configuration error, and no stack', async () => {
    const { code, stdout, stderr } = await sign(['/a.jpg', '--signing-key', 'shortkey9']);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe('image-cdn sign: signing key 1 is 9 characters; use at least 16 (e.g. openssl rand -base64 32)\n');
  });

  it('show the stack with the global --debug, or with IMAGE_CDN_DEBUG set', async () => {
    const runs = await Promise.all([
      sign(['/a.jpg', '--signing-key', 'shortkey9', '--debug']),
      sign(['/a.jpg', '--signing-key', 'shortkey9'], { IMAGE_CDN_DEBUG: '1' }),
    ]);
    for (const { code, stderr } of runs) {
      expect(code).toBe(2);
      const [first, ...stack] = stderr.trimEnd().split('\n');
      expect(first).toBe('image-cdn sign: signing key 1 is 9 characters; use at least 16 (e.g. openssl rand -base64 32)');
      expect(stack[0]).toMatch(/^UsageError: signing key 1/);
      expect(stack.slice(1).every((line) => /^\s+at /.test(line))).toBe(true);
    }
  });

  it('leaves option errors to commander: its message and the help, exit 1', async () => {
    const { code, stdout, stderr } = await sign(['/a.jpg', '--signing-key', KEY, '--colour']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/^error: unknown option '--colour'\n/);
    expect(stderr).toContain('Usage: image-cdn sign [options] <path>');
  });
});
