// The invalidation's defaults, free of the AWS SDK: the CLI describes its options with them before
// it loads the SDK (an optional peer) to run a command.
import type { ResolvedClientLimits } from '../aws/client-limits.js';

/**
 * Per attempt: 5 s to connect, 15 s for an answer (both APIs answer in well under a second;
 * CreateInvalidation occasionally takes a few); 3 attempts. A silent endpoint fails in about 45 s.
 */
export const DEFAULT_AWS_API_LIMITS: ResolvedClientLimits = { connectionTimeoutMs: 5_000, requestTimeoutMs: 15_000, maxAttempts: 3 };

export const DEFAULT_MAX_WAIT_SECONDS = 1200;
