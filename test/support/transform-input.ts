import { DEFAULT_LIMITS } from '../../origin/src/config.js';
import type { TransformInput } from '../../origin/src/transform/engine.js';

/** The bounds a direct `transform()` call in a test runs under: the default limits (levels on) and a 30 s budget from now. */
export function testTransformBounds(): Pick<TransformInput, 'quality' | 'maxPixels' | 'timeoutMs' | 'outputLimits' | 'sourceLevels' | 'deadline'> {
  return {
    quality: undefined,
    maxPixels: 50_000_000,
    timeoutMs: 30_000,
    outputLimits: DEFAULT_LIMITS,
    sourceLevels: DEFAULT_LIMITS.sourceLevels,
    deadline: performance.now() + 30_000,
  };
}
