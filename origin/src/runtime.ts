import os from 'node:os';
import sharp from 'sharp';
import type { Limits } from './config.js';

/**
 * Sizes libvips for the queue: `concurrency` transforms run at once, so each gets
 * cores / concurrency threads (at least one) instead of every transform spawning one thread
 * per core and oversubscribing the CPU under load. libvips' operation cache is useless for a
 * CDN origin (every URL is transformed once) and only holds memory, so it is off.
 */
export function tuneRuntime(limits: Pick<Limits, 'concurrency'>): { vipsThreads: number } {
  const cores = os.availableParallelism();
  const vipsThreads = Math.max(1, Math.floor(cores / limits.concurrency));
  sharp.concurrency(vipsThreads);
  sharp.cache(false);
  return { vipsThreads };
}
