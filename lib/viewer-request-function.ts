import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/** The function's source, a plain cloudfront-js-2.0 file read at synth time. */
export const VIEWER_REQUEST_FUNCTION_PATH = fileURLToPath(new URL('./edge/viewer-request.js', import.meta.url));

/** CloudFront rejects function code above 10 KB. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

export function readViewerRequestFunctionCode(): string {
  return readFileSync(VIEWER_REQUEST_FUNCTION_PATH, 'utf8');
}

export interface ImageViewerRequestFunctionProps {
  /**
   * A name for the function, unique in the account.
   * @default - generated from the construct path
   */
  readonly functionName?: string;
}

/**
 * The viewer-request function that normalises Accept and the Cloudflare option order, so the
 * cache key holds only what changes the response bytes.
 */
export class ImageViewerRequestFunction extends Construct {
  readonly function: cloudfront.Function;

  constructor(scope: Construct, id: string, props: ImageViewerRequestFunctionProps = {}) {
    super(scope, id);
    const code = readViewerRequestFunctionCode();
    const bytes = Buffer.byteLength(code, 'utf8');
    if (bytes > CLOUDFRONT_FUNCTION_MAX_BYTES) {
      throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH} is ${bytes} bytes; CloudFront Functions allow ${CLOUDFRONT_FUNCTION_MAX_BYTES}`);
    }
    this.function = new cloudfront.Function(this, 'Resource', {
      code: cloudfront.FunctionCode.fromInline(code),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'image-cdn: canonical Cloudflare option order and normalised Accept',
      ...(props.functionName !== undefined && { functionName: props.functionName }),
    });
  }
}
