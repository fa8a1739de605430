import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OriginConfig } from '../../origin/src/config.js';
import type { Logger } from 'pino';
import type { OriginServer } from '../../origin/src/server.js';
import { defaultConfig, startOrigin } from '../../origin/src/start.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const SAMPLES = path.join(REPO, 'samples');
/** The shared photo corpus (present in CI and on developer machines, not in a user's clone). */
export const CORPUS = path.resolve(REPO, '../shared/corpus');
export const hasCorpus = existsSync(CORPUS);

export type ConfigOverrides = Partial<Omit<OriginConfig, 'limits' | 'cacheControl'>> & {
  limits?: Partial<OriginConfig['limits']>;
  cacheControl?: Partial<OriginConfig['cacheControl']>;
};

/** Starts a real origin on 127.0.0.1, port chosen by the OS, serving `root` (default: the samples). */
export async function startTestOrigin(overrides: ConfigOverrides = {}, root = SAMPLES, logger: Logger | false = false): Promise<OriginServer> {
  return startOrigin(testConfig(overrides, root), { logger });
}

/** A test origin's configuration: on 127.0.0.1, port chosen by the OS, no access log, `root` mounted unless overridden. */
export function testConfig(overrides: ConfigOverrides = {}, root = SAMPLES): OriginConfig {
  const base = defaultConfig();
  return {
    ...base,
    mounts: [{ prefix: '/', source: { type: 'file', root } }],
    ...overrides,
    host: '127.0.0.1',
    port: 0,
    accessLog: false,
    limits: { ...base.limits, ...overrides.limits },
    cacheControl: { ...base.cacheControl, ...overrides.cacheControl },
  };
}

export function tempDir(prefix = 'image-cdn-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reads a metric's value (summed over label sets matching `labels`) from a Prometheus text page. */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = line.match(/^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

/** Detects an image format from its first bytes. */
export function magic(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (b.subarray(4, 12).toString('latin1') === 'ftypavif' || b.subarray(4, 12).toString('latin1') === 'ftypavis') return 'avif';
  if (b.subarray(0, 3).toString('latin1') === 'GIF') return 'gif';
  return 'unknown';
}
