import type { OriginServer } from './server.js';

/** How long transforms still running after the server closed get to stop by their own deadlines. */
const WORK_GRACE_MS = 2_000;

/**
 * SIGTERM/SIGINT: stop accepting, answer what is in flight, then exit 0 (ECS stops tasks this
 * way), in bounded time whatever is running: the server closes within the request deadline plus
 * a second, and libvips work still running after a further grace ends with the process.
 */
export function handleShutdownSignals(server: OriginServer): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => exitWhenIdle(server, 0),
      () => exitWhenIdle(server, 1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function exitWhenIdle(server: OriginServer, code: number): Promise<void> {
  const giveUpAt = performance.now() + WORK_GRACE_MS;
  while (server.handler.queue.depth.running > 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // process.exit() joins libuv's thread pool at exit, so it would wait for a libvips job that
  // ignores its timeout for as long as that job runs: a kill is the only bounded way out then.
  if (server.handler.queue.depth.running > 0) {
    process.stderr.write(`image-cdn: ${server.handler.queue.depth.running} transform(s) still running at shutdown; killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  process.exit(code);
}
