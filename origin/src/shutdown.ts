import type { OriginServer } from './http/server.js';

/** SIGTERM/SIGINT: stop accepting, answer what is in flight, then exit 0 (ECS stops tasks this way). */
export function handleShutdownSignals(server: OriginServer): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
