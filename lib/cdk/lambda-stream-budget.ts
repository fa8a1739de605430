import { Duration } from 'aws-cdk-lib';

/**
 * Lambda's documented figures for a streamed response (Lambda developer guide, "Response streaming
 * for Lambda functions"), read conservatively (MB as 10^6 bytes): a response may be up to 200 MB;
 * its first 6 MB stream at an uncapped rate, the rest at up to 2 MB/s.
 */
export const LAMBDA_STREAMED_RESPONSE_MAX_BYTES = 200_000_000;
export const LAMBDA_UNCAPPED_STREAM_BYTES = 6_000_000;
export const LAMBDA_CAPPED_STREAM_BYTES_PER_SECOND = 2_000_000;

/**
 * What the function needs after the origin's deadline besides streaming: libvips stops a running
 * step at its next tile, up to a second late (sharp counts whole seconds), then the 504 goes out.
 */
export const DEADLINE_STOP_MARGIN = Duration.seconds(2);

/** Time to stream an answer of `bytes` at Lambda's capped rate past the uncapped first 6 MB, in whole seconds. */
export function streamingTime(bytes: number): Duration {
  return Duration.seconds(Math.ceil(Math.max(0, bytes - LAMBDA_UNCAPPED_STREAM_BYTES) / LAMBDA_CAPPED_STREAM_BYTES_PER_SECOND));
}

/**
 * What the function's timeout must hold beyond the origin's deadline: a transform that ends at the
 * deadline with the largest answer allowed still streams all of it before Lambda ends the invocation.
 */
export function timeoutMargin(maxResponseBytes: number): Duration {
  return DEADLINE_STOP_MARGIN.plus(streamingTime(maxResponseBytes));
}
