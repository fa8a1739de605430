import type { SourceConfig } from '../config.js';
import { createFileSource } from './file.js';
import { createS3Source } from './s3.js';
import type { Source } from './types.js';

/** The Source a mount's configuration describes. */
export function createSource(config: SourceConfig): Source {
  switch (config.type) {
    case 'file':
      return createFileSource(config.root);
    case 's3':
      return createS3Source(config);
  }
}
