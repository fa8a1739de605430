export * from './image-cdn.js';
export * from './image-cdn-stack.js';
export * from './image-origin-service.js';
export * from './accept-aware-cache-policy.js';
export * from './viewer-request-function.js';
export * from './cloudfront-ingress.js';
export * from './app-settings.js';
export { ImageCdnValidationError } from './validation.js';
export * from './invalidate.js';
