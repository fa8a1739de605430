import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './origin.js';

/** Debian's Chromium, which .ci/run installs; nothing downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

export function findChromium(): string | undefined {
  return existsSync(CHROMIUM) ? CHROMIUM : undefined;
}

/** Where browser tests leave what a person may want to look at (gitignored). */
export const ARTIFACTS = path.join(REPO, 'test-artifacts');
