import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuTimeMs } from '../../../bench/processes.js';
import { REPO, type ConfigOverrides } from '../../support/origin.js';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'origin-child.ts');
const TSX = path.join(REPO, 'node_modules/tsx/dist/esm/index.mjs');

export interface ChildOriginOptions {
  /** The child is SIGKILLed as soon as its RSS passes this; the test then sees `killedForMemory`. @default 1.5 GiB */
  readonly rssCeilingBytes?: number;
  /** Extra environment (e.g. a small MALLOC_ARENA_MAX). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A real origin in its own process, watched: its peak RSS and CPU time are measured, and it is
 * killed past an RSS ceiling, so no input a test feeds it can take the test machine down.
 */
export interface ChildOrigin {
  readonly url: string;
  readonly pid: number;
  /** Highest RSS seen by the watcher (sampled every 20 ms). */
  readonly peakRssBytes: number;
  /** True once the watcher killed the child for passing the ceiling. */
  readonly killedForMemory: boolean;
  /** True while the process is running. */
  readonly alive: boolean;
  /** Exit code or signal, once exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** User + system CPU time of the whole process (all threads), in ms. */
  cpuMs(): number;
  /** User + system CPU time of the main thread alone (the event loop), in ms. */
  mainThreadCpuMs(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how long the exit took (ms) and whether it was forced. */
  stop(graceMs?: number): Promise<{ ms: number; forced: boolean }>;
}

export async function startChildOrigin(config: ConfigOverrides, options: ChildOriginOptions = {}): Promise<ChildOrigin> {
  const ceiling = options.rssCeilingBytes ?? 1.5 * 1024 ** 3;
  const child = spawn(process.execPath, ['--import', TSX, ENTRY], {
    cwd: REPO,
    env: { ...process.env, MALLOC_ARENA_MAX: '2', ...options.env, IMAGE_CDN_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let peak = 0;
  let killedForMemory = false;
  const watcher = setInterval(() => {
    const rss = residentBytes(child.pid!);
    if (rss === undefined) return;
    peak = Math.max(peak, rss);
    if (rss > ceiling && !killedForMemory) {
      killedForMemory = true;
      child.kill('SIGKILL');
    }
  }, 20);
  void exit.then(() => clearInterval(watcher));

  const url = await readyUrl(child, exit);
  return {
    url,
    pid: child.pid!,
    get peakRssBytes() {
      return peak;
    },
    get killedForMemory() {
      return killedForMemory;
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    exit,
    cpuMs: () => cpuTimeMs(child.pid!),
    mainThreadCpuMs: () => cpuTimeMs(child.pid!, child.pid),
    stop: (graceMs = 5_000) => stop(child, exit, graceMs),
  };
}

function readyUrl(child: ChildProcess, exit: Promise<unknown>): Promise<string> {
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`origin child did not start within 30 s:\n${output.join('\n')}`));
    }, 30_000);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`origin child exited before listening:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => output.length < 50 && output.push(line));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (output.length < 50) output.push(line);
      if (!line.startsWith('{"url"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
}

async function stop(child: ChildProcess, exit: Promise<unknown>, graceMs: number): Promise<{ ms: number; forced: boolean }> {
  const started = performance.now();
  if (child.exitCode !== null || child.signalCode !== null) return { ms: 0, forced: false };
  let forced = false;
  const force = setTimeout(() => {
    forced = true;
    child.kill('SIGKILL');
  }, graceMs);
  child.kill('SIGTERM');
  await exit;
  clearTimeout(force);
  return { ms: performance.now() - started, forced };
}

function residentBytes(pid: number): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined; // exited between samples
  }
}
