/**
 * `image-cdn/client`: build transform URLs and srcsets. Web-safe: no Node built-ins, no AWS SDK,
 * no sharp, so it bundles for a browser as well as for a server or a Lambda function.
 */
export { imageSrcset, imageUrl, type ImageUrlSettings } from './image-url.js';
export type { ImageOptions } from '../../origin/src/grammar/image-options.js';
