import { DEFAULT_LIMITS } from '../../origin/src/config.js';
import type { TransformInput } from '../../origin/src/transform/engine.js';

/** The bounds a direct `transform()` call in a test runs under: the default limits and a 30 s budget from now. */
export function testTransformBounds(): Pick<TransformInput, 'quality' | 'maxPixels' | 'timeoutMs' | 'outputLimits' | 'deadline'> {
  return { quality: undefined, maxPixels: 50_000_000, timeoutMs: 30_000, outputLimits: DEFAULT_LIMITS, deadline: performance.now() + 30_000 };
}
