/**
 * `image-cdn`: the CDK constructs and their props. CDK code only: importing it loads aws-cdk-lib
 * and constructs (peer dependencies), never sharp or the AWS SDK.
 */
export * from './accept-aware-cache-policy.js';
export * from './cloudfront-ingress.js';
export * from './image-cdn.js';
export * from './image-cdn-stack.js';
export * from './image-origin-function.js';
export * from './image-origin-service.js';
export * from './image-response-headers.js';
export * from './monitoring/index.js';
export { type FargateOriginProps, OriginCompute, type OriginComputeKind } from './origin-compute.js';
export * from './url-options.js';
export { ImageCdnValidationError } from './validation.js';
export * from './viewer-request-function.js';
export { DEFAULT_CACHE_TAG_HEADER } from '../../origin/src/cache-tag.js';
