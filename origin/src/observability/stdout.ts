import { pino, type DestinationStream } from 'pino';

let shared: DestinationStream | undefined;

/**
 * The one stream the origin writes its stdout lines through: access log, error log and EMF
 * lines. Two writers on one file descriptor can split each other's lines when a pipe fills up;
 * one stream writes whole lines in order. The same choice pino makes for its default: stdout's
 * file descriptor, or process.stdout itself when something has replaced its write (a test
 * runner capturing output).
 */
export function stdoutLines(): DestinationStream {
  const stdout = process.stdout;
  if (stdout.write !== (Object.getPrototypeOf(stdout) as NodeJS.WriteStream).write) return stdout;
  // A worker thread has no stdout descriptor of its own; pino writes to 1 there too.
  return (shared ??= pino.destination(stdout.fd ?? 1));
}
