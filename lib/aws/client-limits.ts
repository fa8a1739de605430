/**
 * Bounds on every SDK call the kit makes with a client it creates itself: how long one attempt may
 * take, and how many attempts a call gets. Applies to S3 (`image-cdn/upload`), CloudFront and
 * CloudFormation (`image-cdn/invalidate`).
 */
import { type SdkTimeouts, sdkRequestHandler } from '../../origin/src/sources/sdk-request-handler.js';

export interface ClientLimits {
  /** TCP (and TLS) connect, per attempt, in milliseconds. */
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Per attempt, in milliseconds: from sending the request until the response head (an upload's
   * body included), and the longest pause between chunks of a response body.
   */
  readonly requestTimeoutMs?: number | undefined;
  /** Attempts per request, the first included; the SDK retries timeouts, 5xx and throttling. */
  readonly maxAttempts?: number | undefined;
}

export interface ResolvedClientLimits extends SdkTimeouts {
  readonly maxAttempts: number;
}

/** `given` over `defaults`, refusing values that would mean "no bound" (0, negative, NaN, Infinity). */
export function resolveClientLimits(given: ClientLimits, defaults: ResolvedClientLimits): ResolvedClientLimits {
  return {
    connectionTimeoutMs: positive('connectionTimeoutMs', given.connectionTimeoutMs ?? defaults.connectionTimeoutMs),
    requestTimeoutMs: positive('requestTimeoutMs', given.requestTimeoutMs ?? defaults.requestTimeoutMs),
    maxAttempts: Math.floor(positive('maxAttempts', given.maxAttempts ?? defaults.maxAttempts)),
  };
}

/** The SDK client constructor options for these limits. */
export function sdkClientConfig(limits: ResolvedClientLimits) {
  return { maxAttempts: limits.maxAttempts, requestHandler: sdkRequestHandler(limits) };
}

/**
 * The longest a call can take with these limits when nothing answers: each attempt ends at its
 * request timeout, which runs from the start of the attempt, connecting included (the connection
 * timeout can only end it sooner); plus the SDK's backoff before each retry (for a timeout a
 * random share of 50–100 ms × 2^n, capped at 20 s; 0.1 s × 2^n here, to be safe).
 */
export function worstCaseCallMs(limits: ResolvedClientLimits): number {
  let backoff = 0;
  for (let retry = 1; retry < limits.maxAttempts; retry++) backoff += Math.min(20_000, 100 * 2 ** retry);
  return limits.maxAttempts * limits.requestTimeoutMs + backoff;
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
