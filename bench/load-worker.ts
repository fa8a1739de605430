/**
 * The load generator, in its own process: `concurrency` keep-alive connections, each sending
 * the next request as soon as its previous answer has been read to the end.
 */
import http from 'node:http';
import type { HttpRequestSpec, LoadCommand, RunSample } from './protocol.js';
import { serveCommands } from './rpc.js';
import { SampleRecorder } from './sample.js';

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly bytes: number;
}

function send(agent: http.Agent, base: URL, spec: HttpRequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, host: base.hostname, port: base.port, method: spec.method, path: spec.path, headers: spec.headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], bytes }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

async function load(command: LoadCommand): Promise<RunSample> {
  const base = new URL(command.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: command.concurrency });
  const tolerated = new Set(command.tolerateStatuses ?? []);
  const recorder = new SampleRecorder();
  const deadline = command.durationMs === undefined ? Infinity : performance.now() + command.durationMs;
  const limit = command.count ?? Infinity;
  let next = 0;

  const connection = async () => {
    while (next < limit && performance.now() < deadline) {
      const spec = command.requests[next++ % command.requests.length]!;
      const started = performance.now();
      try {
        const answer = await send(agent, base, spec);
        const latency = performance.now() - started;
        if (answer.status === spec.expectStatus && (!spec.expectContentType || answer.contentType === spec.expectContentType)) {
          recorder.success(spec.group, answer.bytes, latency, String(answer.status));
        } else if (tolerated.has(answer.status)) {
          recorder.other(String(answer.status), latency);
        } else {
          recorder.failure(`${spec.method} ${spec.path} → ${answer.status} ${answer.contentType ?? ''}`, latency, String(answer.status));
        }
      } catch (error) {
        recorder.failure(`${spec.method} ${spec.path}: ${String(error)}`, performance.now() - started);
      }
    }
  };
  recorder.start();
  await Promise.all(Array.from({ length: command.concurrency }, connection));
  agent.destroy();
  return recorder.finish();
}

serveCommands<LoadCommand, RunSample>(load);
