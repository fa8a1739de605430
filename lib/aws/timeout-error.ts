/**
 * An SDK call that got no answer in time, after all its attempts. The SDK reports each kind of
 * timeout as a plain `TimeoutError` whose message alone says which one fired; this names the
 * service, the endpoint and the limit instead.
 */
export type TimeoutKind = 'connection' | 'request' | 'idle';

export class ServiceTimeoutError extends Error {
  override readonly name = 'ServiceTimeoutError';

  constructor(
    /** `S3`, `CloudFront`, `CloudFormation`. */
    readonly service: string,
    /** Where the last attempt went, when the kit created the client. */
    readonly endpoint: string | undefined,
    readonly kind: TimeoutKind,
    readonly timeoutMs: number,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    const where = endpoint ? `${service} at ${endpoint}` : service;
    const what = {
      connection: `did not accept a connection within ${timeoutMs} ms (connection timeout)`,
      request: `did not answer within ${timeoutMs} ms (request timeout)`,
      // The same setting bounds pauses in a body; say so, so the reader knows which knob to turn.
      idle: `stopped sending for ${timeoutMs} ms in the middle of a response (request timeout)`,
    }[kind];
    super(`${where} ${what}; ${attempts} attempt${attempts === 1 ? '' : 's'}`, options);
  }
}

// @smithy/node-http-handler's messages, the only place the kind of timeout is recorded.
const KINDS: ReadonlyArray<[TimeoutKind, RegExp]> = [
  ['connection', /within the configured timeout of (\d+) ms/],
  ['request', /exceeded the configured (\d+) ms requestTimeout/],
  ['idle', /timed out after (\d+) ms of inactivity/],
];

/** The SDK's timeout as a ServiceTimeoutError; undefined for anything else (ECONNRESET is also named TimeoutError). */
export function asServiceTimeout(error: unknown, service: string, endpoint: string | undefined): ServiceTimeoutError | undefined {
  if (error instanceof ServiceTimeoutError) return error;
  const { name, message, $metadata } = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { attempts?: number } };
  if (name !== 'TimeoutError' || typeof message !== 'string') return undefined;
  for (const [kind, pattern] of KINDS) {
    const match = pattern.exec(message);
    if (match) return new ServiceTimeoutError(service, endpoint, kind, Number(match[1]), $metadata?.attempts ?? 1, { cause: error });
  }
  return undefined;
}

/** Awaits `work`, turning an SDK timeout into a ServiceTimeoutError that names `service` and its endpoint. */
export async function explainTimeouts<T>(service: string, endpoint: () => string | undefined, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw asServiceTimeout(error, service, endpoint()) ?? error;
  }
}
