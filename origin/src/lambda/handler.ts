/**
 * The Lambda origin's entry point: function URL events (payload 2.0, invoke mode RESPONSE_STREAM)
 * answered by the same origin the container runs, through its fetch door. What an instance needs
 * once (the settings from its environment, sharp and libvips, the sources, the signing keys) is set
 * up here, at init, before the first event; each event is then one request and one streamed answer.
 */
import { resolveConfig, settingsFromEnv } from '../config.js';
import { defaultConfig } from '../defaults.js';
import { createFetchDoor } from '../http/fetch-door.js';
import { createImageHandler } from '../image-handler.js';
import { requestOf, targetOf, type FunctionUrlEvent } from './function-url-event.js';
import { streamResponse } from './response-stream.js';
import { withSigningKeys } from './signing-keys.js';

const config = resolveConfig({ defaults: defaultConfig() }, settingsFromEnv(await withSigningKeys(process.env)));
// Listening is the runtime's job here: the server settings have nothing to configure.
const { host: _host, port: _port, loadBalancerIdleTimeoutMs: _idle, headersTimeoutMs: _headers, ...options } = config;
const images = createImageHandler(options);
await images.ready;
// The handler's own fetch door, given each target as the function URL received it, so the origin
// judges dot segments as the container does rather than seeing them resolved by URL parsing.
const answer = createFetchDoor(images.origin);

export const handler = awslambda.streamifyResponse<FunctionUrlEvent>(async (event, responseStream) => {
  try {
    await streamResponse(await answer(requestOf(event), targetOf(event)), responseStream);
  } finally {
    // No timer runs while the instance is frozen between events: metrics go out at the end of one.
    await images.emf?.flushIfDue();
  }
});
