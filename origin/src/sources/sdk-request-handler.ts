// Free of the SDK's own modules: lib/invalidate configures CloudFront and CloudFormation clients
// with it, and must not load the S3 client to do so.

/**
 * How long one attempt of an SDK call may take. The same meaning for every client in the kit (the
 * origin's and the uploader's S3, and CloudFront and CloudFormation in `lib/invalidate`).
 */
export interface SdkTimeouts {
  /** TCP (and TLS) connect, per attempt. */
  readonly connectionTimeoutMs: number;
  /**
   * Per attempt: from sending the request until the response head (for an upload this includes
   * sending the body), and also the longest pause between chunks of a response body.
   */
  readonly requestTimeoutMs: number;
}

/**
 * The SDK's request handler options for these timeouts. `throwOnRequestTimeout` is what makes the
 * request timeout fail the attempt: without it the SDK only logs a warning and waits forever.
 * `socketTimeout` (idle time on the socket) is what bounds a body that stalls half-way.
 */
export function sdkRequestHandler(timeouts: SdkTimeouts) {
  return {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    socketTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
}
