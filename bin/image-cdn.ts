#!/usr/bin/env node
// The `image-cdn` command (package.json "bin" runs its build, dist/bin/image-cdn.js).
import os from 'node:os';

// libuv reads this once, when its pool first starts: transforms plus file and DNS work need more
// than the default four threads on larger machines. Set before the CLI's modules load.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, os.availableParallelism() + 2));

void import('./cli.js').then(({ runCli }) => runCli(process.argv));
