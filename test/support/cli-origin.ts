import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { REPO } from './origin.js';

/** The built CLI, as `npm pack` ships it (the global setup builds it). */
export const CLI = path.join(REPO, 'dist/bin/image-cdn.js');

export interface CliRun {
  readonly code: number | null;
  readonly stderr: string;
}

export interface CliOrigin {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, as a process manager stops it; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `image-cdn serve <args>` on 127.0.0.1, port chosen by the OS; resolves once it prints where it listens. */
export async function startCliOrigin(args: readonly string[], env: NodeJS.ProcessEnv = process.env, cli = CLI): Promise<CliOrigin> {
  return startCliServe(['--host', '127.0.0.1', '--port', '0', ...args], env, cli);
}

/** A CliOrigin that also keeps what it wrote on stdout (its access log). */
export interface CliOriginWithOutput extends CliOrigin {
  stdout(): string;
}

/**
 * `image-cdn serve <args>` exactly as given (no --host or --port added, so the environment and a
 * config file can set them); resolves once it prints where it listens, on any address.
 */
export async function startCliServe(args: readonly string[], env: NodeJS.ProcessEnv, cli = CLI): Promise<CliOriginWithOutput> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`image-cdn serve did not start within 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+:\d+)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`image-cdn serve exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    url,
    child,
    stdout: () => stdout,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

/** `image-cdn serve <args>` expected to give up: resolves with its exit code and what it said. */
export async function runCliServeToExit(args: readonly string[], env: NodeJS.ProcessEnv, cli = CLI): Promise<CliRun> {
  const child = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}
