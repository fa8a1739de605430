/**
 * `image-cdn serve` start-up failures, as the built CLI reports them: one line on stderr,
 * "image-cdn serve: <message>", the documented exit code, and a stack only with --debug.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliServeToExit } from '../support/cli-origin.js';
import { SAMPLES } from '../support/origin.js';

const env = { PATH: process.env['PATH'] ?? '' };
let busy: net.Server;
let busyPort = 0;

beforeAll(async () => {
  busy = net.createServer();
  await new Promise<void>((resolve, reject) => {
    busy.once('error', reject);
    busy.listen(0, '127.0.0.1', () => resolve());
  });
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
});

const lines = (stderr: string) => stderr.trimEnd().split('\n');

describe('image-cdn serve errors', () => {
  it('a short signing key: one line, exit 2', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES, '--signing-key', 'shortkey9'], env);
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^image-cdn serve: .*signing key 1 is 9 characters; use at least 16/);
  });

  it('a port already in use: names the address, exit 2', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES, '--port', String(busyPort)], env);
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([`image-cdn serve: 127.0.0.1:${busyPort} is already in use (pick another --port, or 0 for any free one)`]);
  });

  it('--debug adds the stack after the line', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES, '--port', String(busyPort), '--debug'], env);
    expect(code).toBe(2);
    const [first, ...stack] = lines(stderr);
    expect(first).toBe(`image-cdn serve: 127.0.0.1:${busyPort} is already in use (pick another --port, or 0 for any free one)`);
    expect(stack[0]).toMatch(/EADDRINUSE/);
    expect(stack.some((line) => /^\s+at /.test(line))).toBe(true);
  });

  it("an unknown option is commander's usage error: its message and the help, exit 1", async () => {
    const { code, stderr } = await runCliServeToExit(['--colour'], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: unknown option '--colour'\n/);
    expect(stderr).toContain('Usage: image-cdn serve [options]');
  });
});
