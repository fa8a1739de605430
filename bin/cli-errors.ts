/**
 * What the CLI does with an error: one line for a person, and an exit code from one table shared
 * by every command (docs/configuration.md, "Command-line errors and exit codes").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { packageRoot } from '../lib/cdk/package-files.js';
import { ServiceTimeoutError } from '../lib/aws/timeout-error.js';
import { InvalidationInputError, InvalidationTimeoutError } from '../lib/invalidate/errors.js';
import { UploadError } from '../lib/upload/settings.js';
import { ImageCdnError } from '../origin/src/errors.js';
import { InvalidSettingError } from '../origin/src/settings/errors.js';

export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, aws: 3, timeout: 4 } as const;

/**
 * - usage: the command line or configuration asks for something that cannot work (fix it and rerun)
 * - aws: AWS refused, or credentials, region or the endpoint are missing or unreachable
 * - timeout: a deadline passed (an endpoint did not answer in time, or `invalidate --wait` ran out)
 * - failed: the work itself failed (e.g. a file that is not an image)
 * - internal: anything else, which is a bug: `--debug` shows where
 */
export type ErrorKind = 'usage' | 'aws' | 'timeout' | 'failed' | 'internal';

export const EXIT_FOR_KIND: Readonly<Record<ErrorKind, number>> = {
  usage: EXIT_CODES.usage,
  aws: EXIT_CODES.aws,
  timeout: EXIT_CODES.timeout,
  failed: EXIT_CODES.failed,
  internal: EXIT_CODES.failed,
};

/** A mistake in how the command was called, found by the command rather than by the option parser. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly path?: unknown;
  readonly port?: unknown;
  readonly $metadata?: unknown;
  readonly $fault?: unknown;
  readonly cause?: unknown;
}

const shapeOf = (error: unknown): ErrorShape => (typeof error === 'object' && error !== null ? error : {});

const isListenError = (error: unknown): boolean => shapeOf(error).syscall === 'listen';

// By name: serve loads the config-file module only when --config is given.
const isConfigFileError = (error: unknown): boolean => shapeOf(error).name === 'ConfigFileError';

/** A file named on the command line or in a config file that cannot be read (ENOENT, EACCES, ...). */
const isFileError = (error: unknown): boolean => typeof shapeOf(error).path === 'string' && typeof shapeOf(error).code === 'string';

/** Node's codes for an endpoint that cannot be reached or spoken to (refused, unknown host, reset, TLS). */
const NETWORK_CODE = /^(ECONN|ENOTFOUND|EAI_|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE)|CERT|TLS/;

export function classifyError(error: unknown): ErrorKind {
  if (error instanceof ServiceTimeoutError || error instanceof InvalidationTimeoutError) return 'timeout';
  if (
    error instanceof UsageError ||
    error instanceof InvalidArgumentError ||
    error instanceof InvalidationInputError ||
    // A flag's, environment variable's or config file's value that cannot be used.
    error instanceof InvalidSettingError ||
    isConfigFileError(error) ||
    // Thrown by the origin at start-up only for a setting it cannot use (a short signing key, say).
    error instanceof ImageCdnError ||
    isListenError(error) ||
    isFileError(error)
  ) {
    return 'usage';
  }
  if (error instanceof UploadError) return error.cause === undefined ? 'failed' : classifyError(error.cause);
  const shape = shapeOf(error);
  const awsLike =
    shape.$metadata !== undefined ||
    shape.$fault !== undefined ||
    shape.name === 'CredentialsProviderError' ||
    shape.name === 'TimeoutError' ||
    (typeof shape.code === 'string' && NETWORK_CODE.test(shape.code)) ||
    (error instanceof Error && /region is missing/i.test(error.message));
  return awsLike ? 'aws' : 'internal';
}

/** The error as one line, without the command name. */
export function describeError(error: unknown): string {
  if (isListenError(error)) return describeListenError(shapeOf(error), (error as Error).message);
  if (!(error instanceof Error)) return String(error);
  const message = error.message.replace(/[\r\n]+/g, ' ');
  if (/region is missing/i.test(message)) return `${message} (set AWS_REGION)`;
  // The kit's messages are written to stand alone; the SDK's and Node's read better with their name.
  return isOwnError(error) || error.name === 'Error' ? message : `${error.name}: ${message}`;
}

const isOwnError = (error: Error): boolean =>
  [
    UsageError,
    InvalidArgumentError,
    UploadError,
    ServiceTimeoutError,
    InvalidationInputError,
    InvalidationTimeoutError,
    ImageCdnError,
    InvalidSettingError,
  ].some((type) => error instanceof type) || isConfigFileError(error);

function describeListenError(error: ErrorShape, message: string): string {
  const address = typeof error.address === 'string' ? error.address : 'the address';
  const where =
    error.port === undefined
      ? address
      : `${address.includes(':') ? `[${address}]` : address}:${typeof error.port === 'string' ? error.port : JSON.stringify(error.port)}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where} is already in use (pick another --port, or 0 for any free one)`;
    case 'EACCES':
      return `no permission to listen on ${where} (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `${address} is not an address of this machine (check --host)`;
    default:
      return `cannot listen on ${where}: ${message}`;
  }
}

/** The package's optional peer dependencies, as its package.json declares them. */
function optionalPeers(): ReadonlySet<string> {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(path.dirname(fileURLToPath(import.meta.url))), 'package.json'), 'utf8')) as {
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  return new Set(Object.entries(manifest.peerDependenciesMeta ?? {}).flatMap(([name, meta]) => (meta.optional ? [name] : [])));
}

/** The package a failed require/import could not find (CommonJS and ESM word it differently). */
const missingPackage = (error: unknown): string | undefined =>
  /Cannot find (?:module|package) '((?:@[^/']+\/)?[^/']+)/.exec(error instanceof Error ? error.message : '')?.[1];

/**
 * Loads the part of a command that needs optional peers (sharp, the AWS SDK). A peer that is not
 * installed becomes a usage error that says what to install, instead of a module-loader trace.
 */
export async function loadWithPeers<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error);
    if (missing !== undefined && optionalPeers().has(missing)) {
      throw new UsageError(`needs ${missing}, an optional peer dependency of image-cdn that is not installed: npm install ${missing}`, { cause: error });
    }
    throw error;
  }
}
