/**
 * The origin's connection timeouts, derived from the load balancer's idle timeout. Shared by the
 * origin (origin/src) and the CDK construct (lib/cdk), so it imports nothing.
 */

/** An ALB's idle timeout unless set (`idle_timeout.timeout_seconds`, 60 s); the origin's default too. */
export const ALB_IDLE_TIMEOUT_MS = 60_000;

/**
 * How much longer than the load balancer the origin keeps an idle connection. AWS: "configure the
 * idle timeout of your application to be larger than the idle timeout configured for the load
 * balancer. Otherwise, if the application closes the TCP connection to the load balancer
 * ungracefully, the load balancer might send a request to the application before it receives the
 * packet indicating that the connection is closed" → 502 (ELB, "Edit attributes for your
 * Application Load Balancer", Connection idle timeout). The margin covers the two timers starting
 * at slightly different moments; the load balancer then always closes first.
 */
export const KEEP_ALIVE_MARGIN_MS = 5_000;

/**
 * Time a client gets to send its request headers, from its connection or its request's first
 * byte: trickling sockets (slowloris) are closed after this rather than held.
 */
export const HEADERS_TIMEOUT_MS = 10_000;

export interface OriginTimeouts {
  /** `server.keepAliveTimeout`: idle time after a response before the origin closes the socket. */
  readonly keepAliveTimeout: number;
  /** `server.headersTimeout`: time to receive the request headers. */
  readonly headersTimeout: number;
  /** `server.requestTimeout`: time to receive the whole request (a GET has no body). */
  readonly requestTimeout: number;
}

/**
 * node:http timeouts for an origin behind a load balancer with this idle timeout.
 *
 * Node's headers and request timers (Node 18 and later) run only while a request is being received,
 * from the connection or the request's first byte to its end, never while a keep-alive socket waits
 * between requests; so `headersTimeout` stays short for slow clients, far below `keepAliveTimeout`
 * (the advice to set it above was for older Node). Node requires `headersTimeout ≤ requestTimeout`.
 */
export function originTimeouts(loadBalancerIdleTimeoutMs: number, headersTimeoutMs: number = HEADERS_TIMEOUT_MS): OriginTimeouts {
  return {
    keepAliveTimeout: loadBalancerIdleTimeoutMs + KEEP_ALIVE_MARGIN_MS,
    headersTimeout: headersTimeoutMs,
    requestTimeout: headersTimeoutMs,
  };
}
