import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { errors, ImageCdnError } from '../errors.js';
import type { AddressGuard } from './address-guard.js';
import { abortError } from './read-bounded.js';

/**
 * One HTTP request to an upstream whose addresses are checked when the socket connects, not
 * before: the agent's `lookup` refuses forbidden addresses, so a DNS answer that changes between a
 * check and the connection (DNS rebinding) cannot slip through. IP-literal hosts skip DNS, so they
 * are checked here directly.
 */

/** dns.lookup with `all: true`, injectable so tests can play a rebinding DNS server. */
export type DnsLookup = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

const systemLookup: DnsLookup = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/** A connection was refused because of the address a host resolved to. */
export class AddressRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly addressClass: string,
  ) {
    super(`${host} resolves to ${address}, a ${addressClass} address`);
  }
}

export interface GuardedAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  readonly addressGuard: AddressGuard;
}

export function createGuardedAgents(addressGuard: AddressGuard, lookup: DnsLookup = systemLookup): GuardedAgents {
  const guardedLookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      // Every answer must pass: the socket may try any of them (happy eyeballs).
      for (const { address } of addresses) {
        const verdict = addressGuard(address);
        if (!verdict.allowed) return callback(new AddressRefusedError(hostname, address, verdict.addressClass));
      }
      const first = addresses[0]!;
      return options.all ? callback(null, addresses) : callback(null, first.address, first.family);
    });
  }) as unknown as LookupFunction;
  return {
    http: new http.Agent({ keepAlive: true, lookup: guardedLookup }),
    https: new https.Agent({ keepAlive: true, lookup: guardedLookup }),
    addressGuard,
  };
}

export interface HopOptions {
  readonly method: 'GET' | 'HEAD';
  readonly signal: AbortSignal;
  /** Connect, time to first byte and every pause between body chunks. */
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Sends one request (no redirect handling) and resolves with the response head. Failures become
 * tagged errors: a refused address 400, a timeout 504, anything else on the wire 502. A timeout
 * while the body streams destroys the body with the 504, so readers see the same error.
 */
export function requestOnce(url: URL, agents: GuardedAgents, options: HopOptions): Promise<http.IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const verdict = agents.addressGuard(host);
    if (!verdict.allowed) return Promise.reject(refusal(new AddressRefusedError(url.host, host, verdict.addressClass)));
  }
  if (options.signal.aborted) return Promise.reject(abortError(options.signal, url.href));

  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    let response: http.IncomingMessage | undefined;
    const request = transport.request(url, {
      method: options.method,
      agent: url.protocol === 'https:' ? agents.https : agents.http,
      headers: options.headers,
      timeout: options.timeoutMs,
      signal: options.signal,
    });
    request.on('timeout', () => {
      const timedOut = new ImageCdnError('request_timeout', 504, `source "${url.href}" did not respond within ${options.timeoutMs} ms`);
      if (response) response.destroy(timedOut);
      request.destroy(timedOut);
    });
    request.on('error', (error) => {
      if (response) return; // the body reader sees it
      reject(classify(error, url, options.signal));
    });
    request.on('response', (incoming) => {
      response = incoming;
      resolve(incoming);
    });
    request.end();
  });
}

function classify(error: unknown, url: URL, signal: AbortSignal): ImageCdnError {
  if (error instanceof ImageCdnError) return error;
  if (error instanceof AddressRefusedError) return refusal(error);
  if (signal.aborted) return abortError(signal, url.href);
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return errors.fetchFailed(url.href, `upstream unreachable (${code})`);
}

/**
 * The client is told only that the address was refused: what a name resolves to inside the
 * origin's network is not for it to learn. The refusal itself is the error's `cause`, for the log.
 */
const refusal = (error: AddressRefusedError): ImageCdnError =>
  Object.assign(errors.sourceForbidden(error.host, 'its network address is not allowed'), { cause: error });

/** The refused address behind a source_forbidden error, when that is what it was. */
export const refusedAddress = (error: unknown): AddressRefusedError | undefined =>
  error instanceof ImageCdnError && error.cause instanceof AddressRefusedError ? error.cause : undefined;
