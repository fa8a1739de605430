/**
 * Child-process entry for the security suite: starts a real origin from the JSON config in
 * IMAGE_CDN_TEST_CONFIG and prints its URL, so a bomb can only take down this process.
 */
import { startOrigin } from '../../../origin/src/start.js';
import { handleShutdownSignals } from '../../../origin/src/shutdown.js';
import { testConfig, type ConfigOverrides } from '../../support/origin.js';

const overrides = JSON.parse(process.env.IMAGE_CDN_TEST_CONFIG ?? '{}') as ConfigOverrides;
const server = await startOrigin(testConfig(overrides), { logger: false });
handleShutdownSignals(server);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
