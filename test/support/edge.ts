import vm from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AcceptAwareCachePolicy, type AcceptAwareCachePolicyProps } from '../../lib/cdk/accept-aware-cache-policy.js';

/**
 * The viewer-request function as CloudFront runs it, for the tests: taken from a synthesized
 * template, compiled in a bare V8 context in strict mode, fed CloudFront-shaped events.
 */

export interface Field {
  value: string;
  multiValue?: Array<{ value: string }>;
}
export interface ForwardedRequest {
  method: string;
  uri: string;
  querystring: Record<string, Field>;
  headers: Record<string, Field>;
  statusCode?: number;
}
export type EdgeHandler = (event: unknown) => ForwardedRequest;

/** Compiles function code in a fresh context: strict (as CloudFront runs functions), no modules, no Node. */
export function loadFunction(code: string): { handler: EdgeHandler; context: vm.Context } {
  const context = vm.createContext({});
  vm.runInContext(`'use strict';\n${code}`, context, { filename: 'viewer-request.js' });
  return { handler: context.handler as EdgeHandler, context };
}

/** The function code a cache policy with these props deploys, read from the synthesized template. */
export function synthesizedFunctionCode(props: AcceptAwareCachePolicyProps): string {
  const stack = new Stack(new App(), 'Edge');
  new AcceptAwareCachePolicy(stack, 'Caching', props);
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::CloudFront::Function'));
  if (functions.length !== 1) throw new Error(`expected one CloudFront function, found ${functions.length}`);
  return functions[0]!.Properties.FunctionCode as string;
}

/** The query object CloudFront hands a function: values as sent, repeated names in multiValue. */
export function querystring(query: string): Record<string, Field> {
  const grouped = new Map<string, string[]>();
  for (const part of query === '' ? [] : query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    grouped.set(name, [...(grouped.get(name) ?? []), eq < 0 ? '' : part.slice(eq + 1)]);
  }
  return Object.fromEntries(
    [...grouped].map(([name, values]) => [
      name,
      values.length > 1 ? { value: values[0]!, multiValue: values.map((value) => ({ value })) } : { value: values[0]! },
    ]),
  );
}

/** A viewer-request event for `target` (path and query); header names arrive lower-cased. */
export function viewerRequest(target: string, headers: Record<string, string | string[]> = {}) {
  const converted: Record<string, Field> = {};
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    converted[name.toLowerCase()] = values.length > 1 ? { value: values[0]!, multiValue: values.map((v) => ({ value: v })) } : { value: values[0]! };
  }
  const queryAt = target.indexOf('?');
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'req' },
    viewer: { ip: '198.51.100.7' },
    request: {
      method: 'GET',
      uri: queryAt < 0 ? target : target.slice(0, queryAt),
      querystring: querystring(queryAt < 0 ? '' : target.slice(queryAt + 1)),
      headers: converted,
      cookies: {},
    },
  };
}

/** Runs the function and returns a plain copy of what it forwards (or answers). */
export function forward(handler: EdgeHandler, target: string, headers: Record<string, string | string[]> = {}): ForwardedRequest {
  return JSON.parse(JSON.stringify(handler(viewerRequest(target, headers)))) as ForwardedRequest;
}

/** Every value a forwarded field carries: multiValue when written, else value. */
const valuesOf = (field: Field) => (field.multiValue ?? [{ value: field.value }]).map((entry) => entry.value);

/** The request target the origin receives: the path and the query as CloudFront writes it. */
export function forwardedTarget(request: ForwardedRequest): string {
  const query = Object.entries(request.querystring).flatMap(([name, field]) => valuesOf(field).map((value) => `${name}=${value}`));
  return query.length === 0 ? request.uri : `${request.uri}?${query.join('&')}`;
}

/** The forwarded Accept (undefined when the function removed it). */
export const forwardedAccept = (request: ForwardedRequest): string | undefined =>
  request.headers.accept ? valuesOf(request.headers.accept).join(',') : undefined;

/**
 * The cache key CloudFront makes of a forwarded request under AcceptAwareCachePolicy: the path,
 * the query string and Accept (no cookies, no other headers).
 */
export function cacheKey(request: ForwardedRequest): string {
  return `${forwardedTarget(request)} | ${forwardedAccept(request) ?? ''}`;
}

/**
 * Sixteen real Accept headers of image requests: browsers old and new, and the bots and tools
 * that fetch images (several send the same header, as they do in a CDN's logs).
 */
export const REAL_ACCEPT_HEADERS: Readonly<Record<string, string | undefined>> = {
  'Chrome 120': 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'Chrome 80 (no AVIF)': 'image/webp,image/apng,image/*,*/*;q=0.8',
  'Edge 120': 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'Firefox 128': 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'Firefox 93': 'image/avif,image/webp,*/*',
  'Firefox 70 (no AVIF)': 'image/webp,*/*',
  'Safari 17': 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  'Safari 15 (no AVIF)': 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  'Safari 13 (neither)': 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  'Samsung Internet 23': 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'Internet Explorer 11': 'image/png,image/svg+xml,image/jxr,image/*;q=0.8,*/*;q=0.5',
  Googlebot: 'image/avif,image/webp,*/*',
  Bingbot: '*/*',
  facebookexternalhit: '*/*',
  curl: '*/*',
  'no Accept (Slackbot, wget)': undefined,
};

export const acceptHeaders = (accept: string | undefined): Record<string, string> => (accept === undefined ? {} : { Accept: accept });
