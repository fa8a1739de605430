/**
 * Container entry point: configured only through environment variables (see docs/configuration.md).
 */
import { resolveConfig, settingsFromEnv } from './config.js';
import { exampleUrl } from './example-url.js';
import { handleShutdownSignals } from './shutdown.js';
import { defaultConfig, startOrigin } from './start.js';

const config = resolveConfig({ defaults: { ...defaultConfig(), host: '0.0.0.0' } }, settingsFromEnv(process.env));
const server = await startOrigin(config);
handleShutdownSignals(server);
process.stderr.write(`image-cdn origin listening on ${server.url}\nhealth transform: ${exampleUrl(server.url, config)}\n`);
