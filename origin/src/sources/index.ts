import type { SourceConfig } from '../config-types.js';
import { createFileSource } from './file.js';
import { createDeferredS3Source } from './s3-deferred.js';
import type { Source } from './types.js';

/** The Source a mount's configuration describes. S3 code (and the AWS SDK) loads only for an S3 mount. */
export function createSource(config: SourceConfig): Source {
  switch (config.type) {
    case 'file':
      return createFileSource(config.root);
    case 's3':
      return createDeferredS3Source(config);
  }
}
