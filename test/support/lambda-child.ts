/**
 * The bundled Lambda handler in a process of its own, as the Node.js runtime runs it: the runtime
 * stand-in installed before the module loads, then one invocation per request given (a JSON array
 * of EventRequest) in turn. The origin's own stdout lines are left as they are; the answers go to
 * stderr as one JSON line at the end.
 *
 *   node --import tsx test/support/lambda-child.ts '[{"target":"/cdn-cgi/image/width=64/a.jpg"}]'
 *
 * LAMBDA_CHILD_FREEZE_MS blocks the process that long between invocations, as Lambda freezes an
 * instance between events: no timer runs meanwhile.
 */
import path from 'node:path';
import { LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE } from '../../origin/bundle.js';
import { type EventRequest, functionUrlEvent } from './function-url-event.js';
import { installLambdaRuntime, RecordingResponseStream } from './lambda-runtime.js';

installLambdaRuntime();
const { handler } = (await import(path.join(LAMBDA_BUNDLE_DIR, LAMBDA_HANDLER_FILE))) as {
  handler: (event: unknown, stream: RecordingResponseStream, context: unknown) => Promise<void>;
};
const freezeMs = Number(process.env['LAMBDA_CHILD_FREEZE_MS'] ?? 0);
const answers = [];
for (const [index, request] of (JSON.parse(process.argv[2] ?? '[]') as EventRequest[]).entries()) {
  if (index > 0 && freezeMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, freezeMs);
  const stream = new RecordingResponseStream();
  await handler(functionUrlEvent(request), stream, {});
  const { status, headers, body } = stream.answer();
  answers.push({ status, headers, bytes: body.length });
}
process.stderr.write(`${JSON.stringify(answers)}\n`);
