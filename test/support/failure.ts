import { expect } from 'vitest';
import { ImageCdnError } from '../../origin/src/errors.js';

/** Awaits a promise that must reject with a tagged error, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<ImageCdnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageCdnError);
  return error as ImageCdnError;
}
