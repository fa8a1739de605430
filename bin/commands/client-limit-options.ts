/** `--connect-timeout`, `--request-timeout` and `--max-attempts`, for the commands that call AWS. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ClientLimits, ResolvedClientLimits } from '../../lib/aws/client-limits.js';

export interface ClientLimitFlags {
  readonly connectTimeout?: number;
  readonly requestTimeout?: number;
  readonly maxAttempts?: number;
}

const positiveInteger = (what: string) => (value: string) => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive whole number of ${what}, got "${value}"`);
  return Number(value);
};

export function addClientLimitOptions(command: Command, service: string, defaults: ResolvedClientLimits): Command {
  return command
    .addOption(
      new Option('--connect-timeout <ms>', `how long to wait for a connection to ${service}, per attempt (default ${defaults.connectionTimeoutMs})`).argParser(
        positiveInteger('milliseconds'),
      ),
    )
    .addOption(
      new Option(
        '--request-timeout <ms>',
        `how long one ${service} request may wait for an answer, or pause mid-answer, per attempt (default ${defaults.requestTimeoutMs})`,
      ).argParser(positiveInteger('milliseconds')),
    )
    .addOption(
      new Option('--max-attempts <n>', `attempts per ${service} request, the first included (default ${defaults.maxAttempts})`).argParser(
        positiveInteger('attempts'),
      ),
    );
}

export function clientLimitsFrom(flags: ClientLimitFlags): ClientLimits {
  return { connectionTimeoutMs: flags.connectTimeout, requestTimeoutMs: flags.requestTimeout, maxAttempts: flags.maxAttempts };
}
