import type { OriginResponse } from './types.js';

/** A body that will not be sent must still release its file handle or connection. */
export function discardBody(response: OriginResponse): void {
  if (response.body && !Buffer.isBuffer(response.body)) response.body.destroy();
}
