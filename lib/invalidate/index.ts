/**
 * `image-cdn/invalidate`: CloudFront invalidation from code, by path, versioned prefix or source
 * cache tag. Uses the AWS SDK (CloudFront, and CloudFormation to find a stack's distribution);
 * free of aws-cdk-lib and sharp.
 */
export { DEFAULT_CACHE_TAG_HEADER } from '../../origin/src/cache-tag.js';
export type { ClientLimits } from '../aws/client-limits.js';
export { ServiceTimeoutError, type TimeoutKind } from '../aws/timeout-error.js';
export { DEFAULT_AWS_API_LIMITS, DEFAULT_MAX_WAIT_SECONDS } from './settings.js';
export * from './errors.js';
export * from './invalidate.js';
export * from './paths.js';
export * from './plan.js';
export type { RetryNotice, RetryOptions } from './retry.js';
export * from './stack.js';
export * from './tags.js';
export type * from './types.js';
