/**
 * The origin's container asset, run the way its Dockerfile runs it but without a container engine:
 * a production `npm ci` from the asset's own lockfile (for this machine's --os/--cpu, as the
 * Dockerfile passes the target's), then `node bundle/main.js` with only the environment a task gets.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Installs what the asset's lockfile pins (sharp and its platform packages); the npm cache first, the registry if needed. */
export async function installContainerAsset(directory: string): Promise<'offline' | 'prefer-offline'> {
  const args = ['ci', '--omit=dev', '--no-audit', '--no-fund', `--os=${process.platform}`, `--cpu=${process.arch}`];
  try {
    await run('npm', [...args, '--offline'], { cwd: directory });
    return 'offline';
  } catch {
    await run('npm', [...args, '--prefer-offline'], { cwd: directory });
    return 'prefer-offline';
  }
}

export interface RunningContainer {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts the asset's bundle with only the given settings (as a container would get them); resolves once it listens. */
export async function startContainerBundle(directory: string, settings: Record<string, string>): Promise<RunningContainer> {
  const child = spawn(process.execPath, ['bundle/main.js'], {
    cwd: directory,
    env: { PATH: process.env.PATH ?? '', HOME: directory, HOST: '127.0.0.1', PORT: '0', MALLOC_ARENA_MAX: '2', ...settings },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin did not start:\n${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin exited with ${code} before listening:\n${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, url };
}

export async function stopWithSigterm(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill('SIGTERM');
  const [code, signal] = await Promise.race([
    exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 15 s of SIGTERM')), 15_000)),
  ]);
  return { code, signal };
}

export async function killIfRunning(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}
