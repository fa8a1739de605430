import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO } from './origin.js';

/** nginx from the system (Debian installs it in /usr/sbin, which may not be on PATH). */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * deploy/nginx.conf with only the lines it marks as rewritten by the test changed:
 * listen address, origin address and file-system paths.
 */
export function renderRecipe(options: { listenPort: number; originPort: number; dir: string }): string {
  const { dir } = options;
  const recipe = readFileSync(path.join(REPO, 'deploy/nginx.conf'), 'utf8');
  return recipe
    .split('\n')
    .map((line) => {
      if (!line.includes('rewritten by the test')) return line;
      return line
        .replace(/listen \d+;/, `listen 127.0.0.1:${options.listenPort};`)
        .replace(/server 127\.0\.0\.1:\d+;/, `server 127.0.0.1:${options.originPort};`)
        .replace('/run/image-cdn-nginx.pid', path.join(dir, 'nginx.pid'))
        .replace(/\/var\/log\/nginx\//g, `${dir}/`)
        .replace(/\/var\/cache\/image-cdn\//g, `${dir}/`);
    })
    .join('\n');
}

export interface RunningNginx {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startNginx(binary: string, options: { originPort: number; dir: string }): Promise<RunningNginx> {
  const listenPort = await freePort();
  // Run as root, nginx's workers drop to an unprivileged user: they must be able to reach and
  // write the cache and temp directories.
  chmodSync(options.dir, 0o755);
  for (const sub of ['cache', 'client-body', 'proxy-temp']) {
    mkdirSync(path.join(options.dir, sub), { recursive: true });
    chmodSync(path.join(options.dir, sub), 0o777);
  }
  const conf = path.join(options.dir, 'nginx.conf');
  writeFileSync(conf, renderRecipe({ ...options, listenPort }));
  const check = spawnSync(binary, ['-t', '-q', '-c', conf, '-p', options.dir, '-e', path.join(options.dir, 'startup-error.log')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t failed: ${check.stderr}`);
  const child: ChildProcess = spawn(binary, ['-c', conf, '-p', options.dir, '-e', path.join(options.dir, 'startup-error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(listenPort, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
