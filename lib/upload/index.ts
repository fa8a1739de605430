/**
 * `image-cdn/upload`: put sources into the bucket under content-addressed keys
 * (`uploads/<sha256>.<ext>`), so their transforms can be cached for a year. Uses the AWS SDK's S3
 * client; free of aws-cdk-lib and sharp.
 */
export {
  contentAddressedKey,
  DEFAULT_UPLOAD_LIMITS,
  DEFAULT_UPLOAD_PREFIX,
  putImage,
  putImages,
  UploadError,
  type PutImageResult,
  type PutImagesOptions,
  type UploadInput,
} from './upload.js';
export type { ClientLimits } from '../aws/client-limits.js';
export { ServiceTimeoutError, type TimeoutKind } from '../aws/timeout-error.js';
