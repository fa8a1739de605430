/**
 * Container entry point: configured only through environment variables (see docs/configuration.md).
 */
import os from 'node:os';
import { resolveConfig, settingsFromEnv } from './config.js';
import { exampleUrl } from './example-url.js';
import { handleShutdownSignals } from './shutdown.js';
import { defaultConfig, startOrigin } from './start.js';

// libuv sizes its pool when the first asynchronous job starts, which has not happened yet here:
// transforms hold pool threads, and file and DNS work must not queue behind them.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, os.availableParallelism() + 2));

const config = resolveConfig({ defaults: { ...defaultConfig(), host: '0.0.0.0' } }, settingsFromEnv(process.env));
const server = await startOrigin(config);
handleShutdownSignals(server);
process.stderr.write(`image-cdn origin listening on ${server.url}\nhealth transform: ${exampleUrl(server.url, config)}\n`);
