/**
 * Runtime entry for applications: upload content-addressed images and build transform URLs.
 * Imports no CDK code, so it is safe to bundle into a web app or a Lambda function.
 */
export { imageSrcset, imageUrl, type ImageUrlSettings } from './image-url.js';
export {
  contentAddressedKey,
  DEFAULT_UPLOAD_PREFIX,
  putImage,
  putImages,
  UploadError,
  type PutImageResult,
  type PutImagesOptions,
  type UploadInput,
} from './upload.js';
export type { ImageOptions } from '../origin/src/pipeline/types.js';
