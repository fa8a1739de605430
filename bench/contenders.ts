import path from 'node:path';
import type { CeilingCommand, LoadCommand, RunSample, Versions } from './protocol.js';
import { BENCH_DIR, contenderEnv, REPO, type RunningServer, startServer } from './processes.js';
import { WorkerClient } from './rpc.js';

export type CeilingWorker = WorkerClient<CeilingCommand, RunSample | Versions>;
export type LoadWorker = WorkerClient<LoadCommand, RunSample>;

export const startCeiling = (): CeilingWorker => WorkerClient.start(path.join(BENCH_DIR, 'ceiling-worker.ts'), 'ceiling', contenderEnv());

/** The load generator is not a contender: it keeps the caller's environment. */
export const startLoad = (): LoadWorker => WorkerClient.start(path.join(BENCH_DIR, 'load-worker.ts'), 'load generator', process.env);

/**
 * This origin, started exactly as a user would: the CLI shim (which sizes the libuv pool).
 * `repo` may point at another checkout of the project, for A/B comparisons of two versions.
 */
export async function startOriginProcess(
  root: string,
  extraArgs: readonly string[] = [],
  { repo = REPO, env = {}, nodeArgs = [] }: { repo?: string; env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[] } = {},
): Promise<RunningServer & { versions: Versions }> {
  const server = await startServer(
    'origin',
    [...nodeArgs, path.join(repo, 'dist/bin/image-cdn.js'), 'serve', '--root', root, '--port', '0', '--no-access-log', ...extraArgs],
    (line) => {
      const match = line.match(/listening on (http:\/\/\S+)/);
      return match ? { url: match[1]! } : undefined;
    },
    { ...contenderEnv(), ...env },
  );
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { versions: { sharp: string; vips: string } };
  return {
    ...server,
    versions: {
      sharp: health.versions.sharp,
      vips: health.versions.vips,
      vipsConcurrency: 'cores / concurrency (origin/src/runtime.ts)',
      uvThreadpoolSize: 'cores + 2, at least 4 (bin/image-cdn.ts)',
    },
  };
}

export async function startIpx(root: string): Promise<RunningServer & { versions: Versions }> {
  const server = await startServer('ipx', ['--import', 'tsx', path.join(BENCH_DIR, 'servers/ipx-server.ts'), root], jsonReadyLine);
  return { ...server, versions: server.info.versions as Versions };
}

/** Bare node:http around the ceiling's sharp call (servers/bare-server.ts): the small-source case's HTTP floor. */
export async function startBare(root: string): Promise<RunningServer & { versions: Versions }> {
  const server = await startServer('bare HTTP', ['--import', 'tsx', path.join(BENCH_DIR, 'servers/bare-server.ts'), root], jsonReadyLine);
  return { ...server, versions: server.info.versions as Versions };
}

export const startFloor = (): Promise<RunningServer> =>
  startServer('node:http floor', ['--import', 'tsx', path.join(BENCH_DIR, 'servers/floor-server.ts')], jsonReadyLine);

function jsonReadyLine(line: string): { url: string; info: Record<string, unknown> } | undefined {
  if (!line.startsWith('{')) return undefined;
  const parsed = JSON.parse(line) as { url?: string };
  return parsed.url ? { url: parsed.url, info: parsed } : undefined;
}
