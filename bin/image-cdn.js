#!/usr/bin/env node
// Runs the TypeScript CLI in place (tsx), so a clone needs no build step before `npx image-cdn`.
import os from 'node:os';
import { register } from 'tsx/esm/api';

// libuv reads this once, when its pool first starts: transforms plus file and DNS work need
// more than the default four threads on larger machines.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, os.availableParallelism() + 2));
register();
await import('./image-cdn.ts');
