import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { HttpSourceConfig } from '../config-types.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { errors, ImageCdnError } from '../errors.js';
import { type AddressGuard, defaultAddressGuard } from './address-guard.js';
import { sha256Hex } from './content-address.js';
import { contentTypeFromPath } from './content-type.js';
import { createGuardedAgents, type DnsLookup, refusedAddress, requestOnce } from './guarded-request.js';
import { createHostAllowList } from './host-allow-list.js';
import { readBounded, readStartOf } from './read-bounded.js';
import type { OpenOptions, ResolvedSource, Source, SourceBody, SourceMeta } from './types.js';

export interface HttpSourceOptions {
  /** Which resolved addresses may be connected to. Default: public unicast only. */
  readonly addressGuard?: AddressGuard;
  /** DNS resolution (dns.lookup by default); the guard checks whatever it answers. */
  readonly lookup?: DnsLookup;
  /** Byte cap for bodies read while resolving (upstreams without validators). */
  readonly maxResolveBytes?: number;
  /** Where a refused address is logged: the client's 400 does not name it. */
  readonly logger?: Pick<Logger, 'warn'>;
}

const REQUEST_HEADERS = {
  'user-agent': 'image-cdn',
  accept: 'image/avif,image/webp,image/*;q=0.9,*/*;q=0.5',
  // Compressed transfer would make the byte cap count the wrong bytes.
  'accept-encoding': 'identity',
};

/**
 * Absolute `http(s)://` sources. Only hosts on the allow-list are fetched; every redirect hop is
 * checked again; the address each connection goes to is checked at connect time.
 *
 * `resolve` sends a HEAD: its ETag/Last-Modified (plus the URL) make the etag seed, so conditional
 * requests cost one small upstream request and no body. When the upstream refuses HEAD or gives no
 * validator, `resolve` GETs the body instead and the seed is its sha256 (the bytes are reused by
 * `open`). `open` GETs the final URL of the HEAD's redirect chain and answers 502 if the upstream's
 * validator changed in between, so an ETag never labels other bytes.
 */
export function createHttpSource(config: HttpSourceConfig, options: HttpSourceOptions = {}): Source {
  const isAllowedHost = createHostAllowList(config.allowHosts);
  const agents = createGuardedAgents(options.addressGuard ?? defaultAddressGuard, options.lookup);
  const maxResolveBytes = options.maxResolveBytes ?? DEFAULT_LIMITS.maxSourceBytes;

  /** Follows redirects itself, checking each hop's scheme and host before connecting. */
  async function fetchFollowing(start: URL, method: 'GET' | 'HEAD', signal: AbortSignal): Promise<{ response: IncomingMessage; url: URL }> {
    let url = start;
    for (let hop = 0; ; hop++) {
      checkUrl(url, start);
      const response = await requestOnce(url, agents, { method, signal, timeoutMs: config.timeoutMs, headers: REQUEST_HEADERS }).catch((error: unknown) => {
        logRefusal(error, start);
        throw error;
      });
      const location = response.headers.location;
      if (!isRedirect(response.statusCode) || location === undefined) return { response, url };
      response.resume();
      if (hop >= config.maxRedirects) {
        throw errors.fetchFailed(start.href, `more than ${config.maxRedirects} redirects`);
      }
      url = parseRedirect(location, url, start);
    }
  }

  function logRefusal(error: unknown, start: URL): void {
    const refused = refusedAddress(error);
    if (!refused) return;
    const { host, address, addressClass } = refused;
    options.logger?.warn({ source: start.href, host, address, addressClass }, 'source refused: forbidden network address');
  }

  function checkUrl(url: URL, start: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw errors.sourceForbidden(start.href, `redirect to a ${url.protocol} URL`);
    }
    if (url.username || url.password) throw errors.sourceForbidden(start.href, 'credentials in the URL');
    if (!isAllowedHost(url.hostname)) {
      const where = url === start ? '' : ` (redirected from ${start.host})`;
      throw errors.sourceForbidden(start.href, `host "${url.hostname}" is not on the allow-list${where}`);
    }
  }

  async function resolveByBody(url: URL, signal: AbortSignal): Promise<ResolvedSource> {
    const { response, url: finalUrl } = await fetchFollowing(url, 'GET', signal);
    expectOk(response, url);
    const bytes = await readBody(response, url, { signal, maxBytes: maxResolveBytes });
    const meta: SourceMeta = {
      etagSeed: ['http', url.href, `sha256:${sha256Hex(bytes)}`].join('|'),
      identity: url.href,
      size: bytes.length,
      ...metaFromHeaders(response, finalUrl),
    };
    return {
      meta,
      open: async ({ maxBytes }): Promise<SourceBody> => {
        if (bytes.length > maxBytes) throw tooLarge(url, bytes.length, maxBytes);
        return { kind: 'bytes', bytes };
      },
      readStart: async (options) => bytes.subarray(0, options.bytes),
    };
  }

  return {
    kind: 'http',
    // Keep-alive sockets to upstreams would otherwise outlive the origin.
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
    async resolve(path: string, signal: AbortSignal): Promise<ResolvedSource> {
      const url = parseSourceUrl(path);
      if (config.allowHosts.length === 0) throw errors.sourceForbidden(path, 'HTTP sources are disabled (empty allow-list)');
      const { response: head, url: finalUrl } = await fetchFollowing(url, 'HEAD', signal);
      head.resume();
      if (head.statusCode === 405 || head.statusCode === 501) return resolveByBody(url, signal);
      expectOk(head, url);
      const etag = head.headers.etag;
      const lastModifiedHeader = head.headers['last-modified'];
      if (etag === undefined && lastModifiedHeader === undefined) return resolveByBody(url, signal);
      const size = contentLength(head);
      const meta: SourceMeta = {
        etagSeed: ['http', url.href, finalUrl.href, etag ?? '', lastModifiedHeader ?? '', size ?? ''].join('|'),
        identity: url.href,
        ...(size !== undefined && { size }),
        ...metaFromHeaders(head, finalUrl),
      };
      /** GETs the final URL, refusing (502) bytes of another version than the HEAD described. */
      const getSameVersion = async (getSignal: AbortSignal) => {
        const { response } = await fetchFollowing(finalUrl, 'GET', getSignal);
        expectOk(response, url);
        const changed = etag !== undefined ? response.headers.etag !== etag : response.headers['last-modified'] !== lastModifiedHeader;
        if (changed) {
          response.destroy();
          throw errors.fetchFailed(url.href, 'the upstream object changed while it was being read; retry the request');
        }
        return response;
      };
      return {
        meta,
        open: async (openOptions): Promise<SourceBody> => {
          if (size !== undefined && size > openOptions.maxBytes) throw tooLarge(url, size, openOptions.maxBytes);
          const response = await getSameVersion(openOptions.signal);
          return { kind: 'bytes', bytes: await readBody(response, url, openOptions) };
        },
        // The first bytes of the same version, then the connection is dropped.
        readStart: async ({ signal, bytes }) => readStartOf(await getSameVersion(signal), { bytes, signal, what: url.href }),
      };
    },
  };
}

async function readBody(response: IncomingMessage, url: URL, { signal, maxBytes }: OpenOptions): Promise<Buffer> {
  const declared = contentLength(response);
  if (declared !== undefined && declared > maxBytes) {
    response.destroy();
    throw tooLarge(url, declared, maxBytes);
  }
  try {
    return await readBounded(response, { maxBytes, signal, what: url.href });
  } catch (error) {
    if (error instanceof ImageCdnError) throw error;
    throw errors.fetchFailed(url.href, `the upstream connection failed while reading (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The path the handler passes is the absolute URL from the request. */
function parseSourceUrl(path: string): URL {
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    throw errors.malformedUrl(`source "${path}" is not a valid absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.sourceForbidden(path, 'only http and https sources are allowed');
  url.hash = '';
  return url;
}

function parseRedirect(location: string, current: URL, start: URL): URL {
  try {
    return new URL(location, current);
  } catch {
    throw errors.fetchFailed(start.href, 'the upstream sent an invalid redirect');
  }
}

const isRedirect = (status: number | undefined): boolean => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

/** 2xx passes; 404/410 is the client's 404; anything else is the upstream's fault (502). */
function expectOk(response: IncomingMessage, url: URL): void {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300 && status !== 204 && status !== 206) return;
  response.resume();
  if (status === 404 || status === 410) throw errors.sourceNotFound(url.href);
  throw errors.fetchFailed(url.href, `upstream answered ${status}`);
}

function contentLength(response: IncomingMessage): number | undefined {
  const header = response.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

function metaFromHeaders(response: IncomingMessage, finalUrl: URL): Pick<SourceMeta, 'lastModified' | 'contentType'> {
  const lastModifiedHeader = response.headers['last-modified'];
  const lastModified = lastModifiedHeader ? new Date(lastModifiedHeader) : undefined;
  const declaredType = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const contentType = declaredType?.startsWith('image/') ? declaredType : contentTypeFromPath(finalUrl.pathname);
  return {
    ...(lastModified && !Number.isNaN(lastModified.getTime()) && { lastModified }),
    ...(contentType && { contentType }),
  };
}

const tooLarge = (url: URL, size: number, maxBytes: number) => errors.sourceTooLarge(`source "${url.href}" is ${size} bytes; the limit is ${maxBytes}`);
