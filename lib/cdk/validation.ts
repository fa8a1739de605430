import { Arn, ArnFormat, Duration, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { regExpProblem } from './edge/regexp-safety.js';

/**
 * Synth-time checks shared by the constructs. Each throws a ValidationError whose message
 * names the offending value, so `cdk synth` stops with something a person can act on.
 */

/** Valid Fargate task sizes: CPU units → memory (MiB) choices. */
const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** A prop value the constructs cannot build from; the message names the value. */
export class ImageCdnValidationError extends Error {
  override readonly name = 'ImageCdnValidationError';

  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
  }
}

function fail(scope: IConstruct, message: string): never {
  throw new ImageCdnValidationError(scope, message);
}

export function validateTaskSize(scope: IConstruct, cpu: number, memoryLimitMiB: number): void {
  if (Token.isUnresolved(cpu) || Token.isUnresolved(memoryLimitMiB)) return;
  const memoryChoices = FARGATE_MEMORY_BY_CPU.get(cpu);
  if (!memoryChoices) {
    fail(scope, `cpu ${cpu} is not a Fargate task size; use one of ${[...FARGATE_MEMORY_BY_CPU.keys()].join(', ')}`);
  }
  if (!memoryChoices.includes(memoryLimitMiB)) {
    const first = memoryChoices[0];
    const last = memoryChoices[memoryChoices.length - 1];
    fail(
      scope,
      `memoryLimitMiB ${memoryLimitMiB} is not valid with cpu ${cpu}; Fargate allows ${first}–${last} MiB in steps of ${memoryChoices.length > 1 ? memoryChoices[1]! - first! : first} for that size`,
    );
  }
}

export function validateTaskCounts(scope: IConstruct, minTasks: number, maxTasks: number): void {
  if (!Number.isInteger(minTasks) || minTasks < 1) fail(scope, `minTasks ${minTasks} must be a whole number of at least 1`);
  if (!Number.isInteger(maxTasks) || maxTasks < 1) fail(scope, `maxTasks ${maxTasks} must be a whole number of at least 1`);
  if (minTasks > maxTasks) fail(scope, `minTasks ${minTasks} is greater than maxTasks ${maxTasks}`);
}

export function validatePositiveInteger(scope: IConstruct, name: string, value: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < 1) fail(scope, `${name} ${value} must be a whole number of at least 1`);
}

/** Decoded sources share the task's memory with the decodes themselves: at most half of it. */
export function validateDecodedSourceMemory(scope: IConstruct, mebibytes: number, memoryLimitMiB: number, memoryProp = 'memoryLimitMiB'): void {
  if (Token.isUnresolved(mebibytes)) return;
  if (!Number.isInteger(mebibytes) || mebibytes < 0 || mebibytes > memoryLimitMiB / 2) {
    fail(scope, `decodedSourceMemory ${mebibytes} MiB must be a whole number of MiB from 0 to half of ${memoryProp} ${memoryLimitMiB}`);
  }
}

export function validatePercent(scope: IConstruct, name: string, value: number): void {
  if (!(value > 0 && value <= 100)) fail(scope, `${name} ${value} must be a percentage above 0 and at most 100`);
}

/** The origin's own request deadline must fit inside CloudFront's origin read timeout (default quota 60 s for our margin). */
export function validateRequestTimeout(scope: IConstruct, timeout: Duration): void {
  const ms = timeout.toMilliseconds();
  if (!(ms >= 1000 && ms <= MAX_REQUEST_TIMEOUT_MS)) {
    fail(
      scope,
      `requestTimeout ${timeout.toHumanString()} must be between 1 second and ${MAX_REQUEST_TIMEOUT_MS / 1000} seconds (CloudFront's origin read timeout, less the margin the origin needs to answer first)`,
    );
  }
}

/**
 * The load balancer's idle timeout: whole seconds (the attribute's unit), at most an ALB's
 * 4000 s, and at least `minimum`, past the origin's own deadline so a slow transform is answered
 * by the origin (504 with its tag) rather than cut by the load balancer.
 */
export function validateLoadBalancerIdleTimeout(scope: IConstruct, timeout: Duration, minimum: Duration, why: string): void {
  const ms = timeout.toMilliseconds();
  if (!(Number.isInteger(ms / 1000) && ms >= minimum.toMilliseconds() && ms <= 4_000_000)) {
    fail(scope, `loadBalancerIdleTimeout ${ms / 1000} s must be whole seconds, from ${minimum.toSeconds()} to 4000 s (at least ${why})`);
  }
}

/** CloudFront's default origin response timeout quota is 60 s; keep room for the origin to answer its own 504. */
export const MAX_REQUEST_TIMEOUT_MS = 55_000;
/** Extra time CloudFront waits beyond the origin's deadline, so the origin's tagged 504 reaches the viewer. */
export const ORIGIN_READ_TIMEOUT_MARGIN = Duration.seconds(5);

/** Origin Shield takes a region code such as `us-east-2`; reject anything that is not an AWS region. */
export function validateOriginShieldRegion(scope: IConstruct, region: string): void {
  if (Token.isUnresolved(region)) return;
  const known = RegionInfo.regions.map((info) => info.name);
  if (!/^[a-z]{2}-[a-z]+-\d$/.test(region) || !known.includes(region)) {
    fail(scope, `originShieldRegion '${region}' is not an AWS region code (for example 'us-east-1' or 'eu-west-2')`);
  }
}

/** Domain and certificate come together, and a CloudFront certificate must live in us-east-1. */
export function validateDomain(scope: IConstruct, domainName: string | undefined, certificateArn: string | undefined): void {
  if (domainName !== undefined && certificateArn === undefined) {
    fail(scope, `domainName '${domainName}' needs a certificate (an ACM certificate in us-east-1 that covers it)`);
  }
  if (certificateArn !== undefined && domainName === undefined) {
    fail(scope, `certificate '${Token.isUnresolved(certificateArn) ? '<token>' : certificateArn}' was given without a domainName`);
  }
  if (domainName !== undefined && !Token.isUnresolved(domainName) && !/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domainName)) {
    fail(scope, `domainName '${domainName}' is not a valid DNS name`);
  }
  if (certificateArn !== undefined && !Token.isUnresolved(certificateArn)) {
    const region = certificateRegion(certificateArn);
    if (region === undefined) fail(scope, `certificate '${certificateArn}' is not an ACM certificate ARN`);
    if (region !== 'us-east-1') {
      fail(scope, `certificate '${certificateArn}' is in ${region}; CloudFront only uses ACM certificates from us-east-1`);
    }
  }
}

function certificateRegion(arn: string): string | undefined {
  try {
    const parts = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
    return parts.service === 'acm' && parts.resource === 'certificate' ? parts.region : undefined;
  } catch {
    return undefined;
  }
}

/** Query string names the cache key may carry for grammars that need them. */
export function validateQueryStrings(scope: IConstruct, names: readonly string[]): void {
  for (const name of names) {
    if (!/^[A-Za-z0-9._~-]+$/.test(name)) fail(scope, `queryStringAllowList entry '${name}' is not a plain query parameter name`);
  }
  if (names.length > 10) fail(scope, `queryStringAllowList has ${names.length} names; a CloudFront cache policy allows at most 10`);
}

/** Why a version-segment pattern cannot be used (the origin's rules, a compile check, what the CloudFront function can run), or undefined. */
export function versionPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return undefined;
  if (!pattern.startsWith('^/') || !pattern.endsWith('/')) return `versionPattern '${pattern}' must start with '^/' and end with '/'`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `versionPattern '${pattern}' is not a regular expression: ${(error as Error).message}`;
  }
  // The CloudFront function runs it on every request.
  const unsafe = regExpProblem(pattern);
  return unsafe === undefined ? undefined : `versionPattern '${pattern}' ${unsafe}`;
}

/** Why an ImageKit endpoint cannot be used, or undefined: a path prefix such as `/` or `/my_imagekit_id/`. */
export function imagekitEndpointProblem(endpoint: string): string | undefined {
  return /^\/(?:[A-Za-z0-9._~-]+\/)*$/.test(endpoint)
    ? undefined
    : `imagekitEndpoint '${endpoint}' must be a path prefix that starts and ends with '/', such as '/' or '/my_imagekit_id/'`;
}

/**
 * The shape of an SNS topic ARN, `arn:<partition>:sns:<region>:<account>:<topic name>`: a name of
 * 1-256 letters, digits, hyphens and underscores, a FIFO topic's ending in `.fifo`.
 */
export function isSnsTopicArn(arn: string): boolean {
  return /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2,}(?:-[a-z]+)+-\d+:\d{12}:(?:[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/.test(arn);
}

/** An address SNS can send email to, roughly: one `@`, a dotted domain, no spaces. */
export function isEmailAddress(address: string): boolean {
  return /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/.test(address) && address.length <= 254;
}
