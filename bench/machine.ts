import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { REPO } from './processes.js';

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly commit: string;
  /** 1-minute load average: other work on the machine shares the cores. */
  readonly loadAverage: number;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    commit: gitCommit(),
    loadAverage: os.loadavg()[0]!,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'origin', 'bin', 'bench'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${head} (+ uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
