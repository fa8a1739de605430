import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(BENCH_DIR, '..');

/**
 * Every contender gets the same environment: the libuv pool at its default unless the program
 * raises it itself (the origin's CLI does), and glibc arenas capped as sharp advises and as the
 * origin's container runs.
 */
export function contenderEnv(): NodeJS.ProcessEnv {
  const { UV_THREADPOOL_SIZE: _uv, VIPS_CONCURRENCY: _vips, ...rest } = process.env;
  return { ...rest, MALLOC_ARENA_MAX: '2', NODE_ENV: 'production' };
}

export interface RunningServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Whatever else the server printed on its ready line. */
  readonly info: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Spawns a server and waits for the line that carries its URL. `ready` reads one output line
 * and returns the URL (plus anything else worth keeping) once it appears.
 */
export function startServer(
  name: string,
  args: readonly string[],
  ready: (line: string) => { url: string; info?: Record<string, unknown> } | undefined,
  env: NodeJS.ProcessEnv = contenderEnv(),
): Promise<RunningServer> {
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 30 s:\n${output.join('\n')}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${name} exited (${code}) before listening:\n${output.join('\n')}`)));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (output.length < 50) output.push(line);
        const found = ready(line);
        if (!found) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ name, url: found.url, pid: child.pid!, info: found.info ?? {}, stop: () => stop(child) });
      });
    }
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Peak resident set (VmHWM) of a process, in bytes. */
export function peakRss(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Resets VmHWM to the current RSS (Linux ≥ 4.0: `5` > /proc/PID/clear_refs), so each case
 * reports its own peak. Returns false where that is not allowed; peaks are then cumulative.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, all threads) a process has used, in ms. Unlike wall-clock time it
 * hardly moves when other work shares the cores, so per-image CPU is the steadier comparison.
 */
export function cpuTimeMs(pid: number, thread?: number): number {
  // A thread's own times are in its task entry (the main thread's id is the process id).
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
