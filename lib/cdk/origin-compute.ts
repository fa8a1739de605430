import { Duration } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ImageOriginOptions } from './image-origin-service.js';
import type { LambdaOriginProps } from './image-origin-function.js';
import { ImageCdnValidationError } from './validation.js';

/** The props of ImageCdn that only the Fargate origin has: its network, cluster, tasks and load balancer. */
export const FARGATE_ONLY_PROPS = [
  'vpc',
  'cluster',
  'image',
  'cpuArchitecture',
  'cpu',
  'memoryLimitMiB',
  'minTasks',
  'maxTasks',
  'targetCpuUtilizationPercent',
  'targetRequestsPerTaskPerMinute',
  'loadBalancerIdleTimeout',
  'readonlyRootFilesystem',
] as const;

/**
 * What `OriginCompute.fargate(props)` takes: the settings of the tasks and their load balancer, with
 * the meaning and defaults they have as props of ImageCdn (where they are still accepted).
 */
export type FargateOriginProps = Pick<ImageOriginOptions, (typeof FARGATE_ONLY_PROPS)[number]>;

export type OriginComputeKind = 'fargate' | 'lambda';

/**
 * Where ImageCdn runs the origin. Both serve the same URLs with the same bytes and headers at the
 * same `decodedSourceLevels`, whose default differs (true on Fargate, false under Lambda); every
 * other prop of ImageCdn (bucket, grammars, variants, signing, cache tags, domain, limits) means the
 * same under both.
 */
export abstract class OriginCompute {
  /**
   * ECS Fargate tasks behind an internal load balancer, reached through a CloudFront VPC origin:
   * steady capacity, for steady traffic. The default.
   */
  static fargate(props: FargateOriginProps = {}): OriginCompute {
    return new FargateCompute(props);
  }

  /**
   * A Lambda function behind a streaming function URL, reached through an origin access control:
   * nothing runs while idle, and it scales from zero.
   */
  static lambda(props: LambdaOriginProps = {}): OriginCompute {
    return new LambdaCompute(props);
  }

  abstract readonly kind: OriginComputeKind;
}

/** `OriginCompute.fargate(props)`, for ImageCdn to read. */
export class FargateCompute extends OriginCompute {
  readonly kind = 'fargate';

  constructor(readonly props: FargateOriginProps) {
    super();
  }
}

/** `OriginCompute.lambda(props)`, for ImageCdn to read. */
export class LambdaCompute extends OriginCompute {
  readonly kind = 'lambda';

  constructor(readonly props: LambdaOriginProps) {
    super();
  }
}

/**
 * The Fargate settings from both places they may be given: as props of ImageCdn, and in
 * `OriginCompute.fargate(props)`. One setting in both places is an error naming it.
 */
export function fargateSettings(scope: IConstruct, topLevel: FargateOriginProps, compute: FargateCompute): FargateOriginProps {
  for (const name of FARGATE_ONLY_PROPS) {
    if (topLevel[name] !== undefined && compute.props[name] !== undefined) {
      throw new ImageCdnValidationError(
        scope,
        `${name} is given twice, ${describe(topLevel[name])} on ImageCdn and ${describe(compute.props[name])} in OriginCompute.fargate(); give it once`,
      );
    }
  }
  return { ...definedOnly(topLevel), ...definedOnly(compute.props) };
}

/**
 * Under Lambda there are no tasks, no VPC and no load balancer: a Fargate setting there means the
 * deployment is not what its author thinks, so it is an error naming the setting and its value.
 */
export function rejectFargateSettings(scope: IConstruct, props: FargateOriginProps & { readonly cloudFrontPrefixListId?: string }): void {
  for (const name of [...FARGATE_ONLY_PROPS, 'cloudFrontPrefixListId'] as const) {
    if (props[name] !== undefined) {
      throw new ImageCdnValidationError(
        scope,
        `${name} ${describe(props[name])} applies to the Fargate origin only; with OriginCompute.lambda() leave it out (memorySize, timeout and reservedConcurrentExecutions are its props)`,
      );
    }
  }
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A prop's value as an error message shows it: numbers and strings as they are, a construct by its path. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Duration) return value.toHumanString();
  const node = (value as { node?: { path?: string } } | undefined)?.node;
  if (node?.path !== undefined) return `(${node.path})`;
  const name = (value as object | undefined)?.constructor?.name;
  return name ? `(a ${name})` : String(value);
}
