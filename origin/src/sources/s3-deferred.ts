import type { S3SourceConfig } from './s3.js';
import type { Source } from './types.js';

/** The package S3 mounts need: an optional peer dependency of image-cdn. */
export const S3_SDK_PACKAGE = '@aws-sdk/client-s3';

/**
 * An S3 mount whose code, and the AWS SDK under it, is loaded only when such a mount is
 * configured: an origin that serves files alone runs without the SDK installed. Loading starts
 * at once, so `ready` reports a missing SDK at start-up; requests that come sooner wait for it.
 */
export function createDeferredS3Source(config: S3SourceConfig): Source {
  const loading = import('./s3.js').then(
    ({ createS3Source }) => createS3Source(config),
    (error: unknown) => {
      throw explainLoadFailure(error);
    },
  );
  // The failure surfaces through `ready` and each request, never as this promise's unhandled rejection.
  loading.catch(() => undefined);
  return {
    kind: 's3',
    ready: loading.then(() => undefined),
    resolve: async (path, signal) => (await loading).resolve(path, signal),
    close: async () => (await loading.catch(() => undefined))?.close?.(),
  };
}

/** A missing SDK is an installation step, not a bug: say which package to install. */
function explainLoadFailure(error: unknown): unknown {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const sdkMissing = (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String(message).includes(S3_SDK_PACKAGE);
  if (!sdkMissing) return error;
  return new Error(`S3 sources need ${S3_SDK_PACKAGE}, an optional peer dependency of image-cdn that is not installed: npm install ${S3_SDK_PACKAGE}`, {
    cause: error,
  });
}
