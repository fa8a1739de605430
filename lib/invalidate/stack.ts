/** Finds a stack's CloudFront distribution id in its CloudFormation outputs. */
import { type CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import type { ClientLimits } from '../aws/client-limits.js';
import { cloudFormationClient } from './clients.js';
import { InvalidationInputError } from './errors.js';

export const DISTRIBUTION_ID_OUTPUT_KEY = 'DistributionId';

/**
 * Keys accepted when there is no output named exactly `DistributionId`: any key ending in
 * `DistributionId`, optionally followed by the 8-character hash the CDK appends to the logical id
 * of a CfnOutput declared inside a construct (`ImagesDistributionId1A2B3C4D`).
 */
const DISTRIBUTION_ID_KEY_SUFFIX = /DistributionId(?:[0-9A-F]{8})?$/;

export interface StackDistribution {
  readonly distributionId: string;
  /** The output the id was read from. */
  readonly outputKey: string;
}

/** Picks the distribution id among outputs; exported for callers that already hold the outputs. */
export function distributionIdFromOutputs(stackName: string, outputs: readonly Output[]): StackDistribution {
  const withValues = outputs.filter(
    (output): output is Output & { OutputKey: string; OutputValue: string } =>
      typeof output.OutputKey === 'string' && typeof output.OutputValue === 'string' && output.OutputValue !== '',
  );
  const exact = withValues.find((output) => output.OutputKey === DISTRIBUTION_ID_OUTPUT_KEY);
  if (exact) return { distributionId: exact.OutputValue, outputKey: exact.OutputKey };

  const candidates = withValues.filter((output) => DISTRIBUTION_ID_KEY_SUFFIX.test(output.OutputKey));
  const [only, ...others] = candidates;
  if (only && others.length === 0) return { distributionId: only.OutputValue, outputKey: only.OutputKey };
  if (only) {
    throw new InvalidationInputError(
      'ambiguous_stack_output',
      `stack "${stackName}" has several distribution id outputs: ` +
        candidates.map((output) => `${output.OutputKey}=${output.OutputValue}`).join(', ') +
        '; pass the distribution id explicitly',
    );
  }
  const keys = withValues.map((output) => output.OutputKey);
  throw new InvalidationInputError(
    'stack_output_not_found',
    `stack "${stackName}" has no output named "${DISTRIBUTION_ID_OUTPUT_KEY}" (or ending in it); ` +
      (keys.length > 0 ? `its outputs are: ${keys.join(', ')}` : 'it has no outputs'),
  );
}

/**
 * Reads the stack with CloudFormation DescribeStacks. A stack that does not exist surfaces as the
 * SDK's ValidationError, like any other AWS error; no answer in time as a ServiceTimeoutError.
 * The timeouts and attempts apply to the client created when none is given (DEFAULT_AWS_API_LIMITS).
 */
export async function distributionIdFromStack(
  options: {
    readonly stackName: string;
    readonly client?: CloudFormationClient | undefined;
  } & ClientLimits,
): Promise<StackDistribution> {
  const cloudFormation = cloudFormationClient(options.client, options);
  const response = await cloudFormation
    .send((client) => client.send(new DescribeStacksCommand({ StackName: options.stackName })))
    .finally(() => cloudFormation.release());
  const stack = response.Stacks?.[0];
  if (!stack) {
    throw new InvalidationInputError('stack_output_not_found', `stack "${options.stackName}" was not found`);
  }
  return distributionIdFromOutputs(options.stackName, stack.Outputs ?? []);
}
