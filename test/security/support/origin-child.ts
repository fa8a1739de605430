/**
 * Child-process entry for the security suite: starts a real origin from the JSON config in
 * IMAGE_CDN_TEST_CONFIG and prints its URL, so a bomb can only take down this process.
 */
import { defaultConfig, startOrigin } from '../../../origin/src/start.js';
import { handleShutdownSignals } from '../../../origin/src/shutdown.js';
import type { ConfigOverrides } from '../../support/origin.js';

const overrides = JSON.parse(process.env.IMAGE_CDN_TEST_CONFIG ?? '{}') as ConfigOverrides;
const base = defaultConfig();
const server = await startOrigin(
  {
    ...base,
    ...overrides,
    host: '127.0.0.1',
    port: 0,
    accessLog: false,
    limits: { ...base.limits, ...overrides.limits },
    cacheControl: { ...base.cacheControl, ...overrides.cacheControl },
  },
  { logger: false },
);
handleShutdownSignals(server);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
