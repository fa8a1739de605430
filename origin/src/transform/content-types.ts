import type { OutputFormat } from '../pipeline/types.js';

/** The media type of each output the engine writes (`format=json` answers with its description). */
export const CONTENT_TYPES: Readonly<Record<OutputFormat | 'json', string>> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  'baseline-jpeg': 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  json: 'application/json',
};
