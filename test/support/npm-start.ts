import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './origin.js';

export interface StartedOrigin {
  /** The playground URL the origin printed. */
  readonly playground: string;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The origin as `npm start` runs it: package.json's start script (tsx and the CLI from source,
 * serving the samples), with `--host 127.0.0.1 --port 0` added as `npm start -- …` would add them.
 * Resolves with what it printed once it listens.
 */
export async function startAsNpmStart(): Promise<StartedOrigin> {
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command = '', ...args] = manifest.scripts.start.split(' ');
  // Its own process group, so that stopping it stops tsx's child node too.
  const child: ChildProcess = spawn(path.join(REPO, 'node_modules/.bin', command), [...args, '--host', '127.0.0.1', '--port', '0'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  const printed = await new Promise<{ url: string; playground: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start's command did not listen within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      const playground = /playground: (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url && playground) {
        clearTimeout(timer);
        resolve({ url, playground });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start's command exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    ...printed,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
