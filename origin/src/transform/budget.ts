import type { OutputInfo, Sharp } from 'sharp';
import { errors } from '../errors.js';

/** The result of one libvips run: the pipeline's output and what libvips says about it. */
export interface RunResult {
  readonly data: Buffer;
  readonly info: OutputInfo;
}

/**
 * What every step that runs libvips needs: a way to run a pipeline within the request's
 * deadline. libvips evaluates lazily, so only `run` does work; building a pipeline does none.
 */
export interface Budget {
  run(image: Sharp): Promise<RunResult>;
}

export interface Deadline {
  /** `performance.now()` ms after which no libvips work of this transform may run. */
  readonly deadline: number;
  /** The request's whole budget, for the 504 message. */
  readonly timeoutMs: number;
}

/**
 * Runs each pipeline with what is left of the deadline: a run that would start after it is not
 * started, and libvips stops one at its next tile past it (sharp counts whole seconds, so a run
 * may overrun by under one). sharp reports that stop only as an error message; a failed run whose
 * deadline has passed is the deadline's, which needs no message to tell.
 */
export function deadlineBudget({ deadline, timeoutMs }: Deadline): Budget {
  return {
    async run(image) {
      const left = deadline - performance.now();
      if (left <= 0) throw errors.timeout(timeoutMs);
      try {
        return await image.timeout({ seconds: Math.ceil(left / 1000) }).toBuffer({ resolveWithObject: true });
      } catch (error) {
        if (performance.now() >= deadline) throw errors.timeout(timeoutMs);
        throw error;
      }
    },
  };
}
