/**
 * `image-cdn invalidate`: purge paths, prefixes, or every cached transform of a source (by cache
 * tag) from the CloudFront distribution, by id or by the stack that created it.
 * Exit codes: 0 done, 2 usage error, 3 AWS error, 4 timed out (see bin/cli-errors.ts).
 */
import { type Command, type CommanderError, InvalidArgumentError, Option } from 'commander';
import { ServiceTimeoutError } from '../../lib/aws/timeout-error.js';
import { DEFAULT_CACHE_TAG_HEADER } from '../../origin/src/cache-tag.js';
// SDK-free modules only: the AWS SDK (an optional peer) loads when a command actually calls AWS.
import { InvalidationInputError, InvalidationTimeoutError } from '../../lib/invalidate/errors.js';
import { normaliseInvalidationPaths } from '../../lib/invalidate/paths.js';
import { assertDistributionId, type InvalidationPlan, planInvalidation } from '../../lib/invalidate/plan.js';
import { DEFAULT_AWS_API_LIMITS, DEFAULT_MAX_WAIT_SECONDS } from '../../lib/invalidate/settings.js';
import type { InvalidationProgress } from '../../lib/invalidate/invalidate.js';
import type { InvalidateResult, InvalidationSummary } from '../../lib/invalidate/types.js';
import { classifyError, type ErrorKind, EXIT_CODES, EXIT_FOR_KIND, loadWithPeers, UsageError } from '../cli-errors.js';
import { addClientLimitOptions, type ClientLimitFlags, clientLimitsFrom } from './client-limit-options.js';

interface InvalidateCommandOptions extends ClientLimitFlags {
  readonly prefix?: string[];
  readonly path?: string[];
  readonly source?: string[];
  readonly tag?: string[];
  readonly distributionId?: string;
  readonly stack?: string;
  readonly wait?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly callerReference?: string;
  readonly timeout: number;
  readonly pollInterval: number;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const seconds = (value: string): number => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  }
  return parsed;
};

export function registerInvalidateCommand(program: Command): void {
  const command = program
    .command('invalidate')
    .description('Invalidate paths, prefixes or sources in the CloudFront distribution')
    .addOption(new Option('--prefix <prefix>', 'invalidate everything under a prefix (/v2/ → /v2/*); repeatable').argParser(collect))
    .addOption(new Option('--path <path>', 'invalidate one path (a trailing * is a wildcard); repeatable').argParser(collect))
    .addOption(
      new Option('--source <path>', 'invalidate every cached transform of one source (uploads/<sha256>.jpg) by its cache tag; repeatable').argParser(collect),
    )
    .addOption(new Option('--tag <tag>', 'invalidate every cached object carrying this cache tag (sent as #<tag>); repeatable').argParser(collect))
    .addOption(new Option('--distribution-id <id>', 'CloudFront distribution id').conflicts('stack'))
    .addOption(new Option('--stack <name>', 'read the distribution id from this stack\'s "DistributionId" output'))
    .option('--wait', 'wait until the invalidations have completed')
    .option('--dry-run', 'print the invalidation requests without sending them')
    .option('--json', 'print a machine-readable result on stdout')
    .option('--caller-reference <ref>', 'caller reference to use; a new value forces a new invalidation of the same paths')
    .addOption(new Option('--timeout <seconds>', 'how long --wait may take before exiting with code 4').argParser(seconds).default(DEFAULT_MAX_WAIT_SECONDS))
    .addOption(new Option('--poll-interval <seconds>', 'first delay between status checks while waiting (backs off to 60 s)').argParser(seconds).default(20))
    .addHelpText(
      'after',
      '\n--source and --tag need a distribution with cache tags enabled (CacheTagConfig on the\n' +
        `"${DEFAULT_CACHE_TAG_HEADER}" header the origin sends); the ImageCdn construct enables them by default.\n` +
        'Each tag counts as one invalidation path.\n' +
        '\nExit codes: 0 done, 1 unexpected error, 2 usage error, 3 AWS error, 4 timed out (waiting, or an endpoint\n' +
        'that did not answer in time).\n' +
        'Region and credentials come from the AWS SDK chain; AWS_ENDPOINT_URL_CLOUDFRONT and\n' +
        'AWS_ENDPOINT_URL_CLOUDFORMATION override the service endpoints.',
    );
  addClientLimitOptions(command, 'AWS', DEFAULT_AWS_API_LIMITS)
    .exitOverride((error: CommanderError) => {
      if (error.exitCode === 0) process.exit(EXIT_CODES.ok);
      // Commander has already explained the problem on stderr; --json callers still get a document.
      if (process.argv.includes('--json')) {
        const message = error.message.replace(/^error: /, '');
        process.stdout.write(`${JSON.stringify({ ok: false, error: { type: 'usage', code: error.code, message } }, null, 2)}\n`);
      }
      process.exit(EXIT_CODES.usage);
    })
    .action(async (options: InvalidateCommandOptions, self: Command) => {
      process.exitCode = await runInvalidate(options, {
        stdout: process.stdout,
        stderr: process.stderr,
        interactive: process.stderr.isTTY === true,
        debug: self.optsWithGlobals<{ debug?: boolean }>().debug === true,
      });
    });
}

interface Terminal {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** stderr is a terminal: draw a spinner instead of printing status lines. */
  readonly interactive: boolean;
  /** --debug: print the stack of a failure. */
  readonly debug: boolean;
}

async function runInvalidate(options: InvalidateCommandOptions, terminal: Terminal): Promise<number> {
  const progress = createProgress(terminal);
  let source: { stack: string; outputKey: string } | undefined;
  let distributionId: string | undefined;
  try {
    const selectors = {
      paths: options.path ?? [],
      prefixes: options.prefix ?? [],
      sources: options.source ?? [],
      tags: options.tag ?? [],
    };
    if (Object.values(selectors).every((values) => values.length === 0)) {
      throw new UsageError('give at least one --prefix, --path, --source or --tag');
    }
    if (!options.distributionId && !options.stack) {
      throw new UsageError('give --distribution-id ID or --stack NAME');
    }
    // Bad paths and tags are reported before any AWS call.
    normaliseInvalidationPaths(selectors);
    if (options.distributionId) assertDistributionId(options.distributionId);

    const limits = clientLimitsFrom(options);
    if (options.stack) {
      const { distributionIdFromStack } = await loadWithPeers(() => import('../../lib/invalidate/stack.js'));
      const found = await distributionIdFromStack({ stackName: options.stack, ...limits });
      source = { stack: options.stack, outputKey: found.outputKey };
      distributionId = found.distributionId;
      progress.line(`stack ${options.stack}: distribution ${found.distributionId} (output ${found.outputKey})`);
    } else {
      distributionId = options.distributionId;
    }
    if (!distributionId) throw new UsageError('no distribution id');

    const request = { distributionId, ...selectors, callerReference: options.callerReference };
    if (options.dryRun) {
      printDryRun(planInvalidation(request), source, options.json === true, terminal);
      return EXIT_CODES.ok;
    }

    const { invalidate } = await loadWithPeers(() => import('../../lib/invalidate/invalidate.js'));
    const result = await invalidate({
      ...request,
      ...limits,
      wait: options.wait === true,
      maxWaitSeconds: options.timeout,
      pollDelaySeconds: { min: options.pollInterval, max: Math.max(60, options.pollInterval) },
      onProgress: (event) => progress.event(event),
    });
    progress.stop();
    printResult(result, source, options.json === true, terminal);
    return EXIT_CODES.ok;
  } catch (error) {
    progress.stop();
    return reportFailure(error, { distributionId, source, json: options.json === true, terminal });
  }
}

/** The JSON document's `code` and the message; the kind and the exit code come from bin/cli-errors.ts. */
function describeError(error: unknown, kind: ErrorKind): { code: string; message: string } {
  if (error instanceof InvalidationInputError) return { code: error.code, message: error.message };
  if (error instanceof UsageError) return { code: 'usage', message: error.message };
  if (error instanceof InvalidationTimeoutError) return { code: 'wait_timeout', message: error.message };
  if (error instanceof ServiceTimeoutError) return { code: `${error.kind}_timeout`, message: error.message };
  if (error instanceof Error) {
    const hint = /region is missing/i.test(error.message) ? ' (set AWS_REGION; CloudFront is a global service, so us-east-1 is fine for it)' : '';
    return { code: kind === 'aws' ? error.name : 'internal_error', message: `${error.message}${hint}` };
  }
  return { code: 'internal_error', message: String(error) };
}

function reportFailure(
  error: unknown,
  context: {
    distributionId: string | undefined;
    source: { stack: string; outputKey: string } | undefined;
    json: boolean;
    terminal: Terminal;
  },
): number {
  const kind = classifyError(error);
  const { code, message } = describeError(error, kind);
  const invalidations = error instanceof InvalidationTimeoutError ? error.result.invalidations : [];
  const label = { usage: 'usage error', aws: 'AWS error', timeout: 'timed out', failed: 'failed', internal: 'internal error' }[kind];
  context.terminal.stderr.write(`image-cdn invalidate: ${label}: ${message}\n`);
  if (context.terminal.debug) context.terminal.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  if (kind === 'usage' && !(error instanceof InvalidationInputError && error.code.startsWith('stack_'))) {
    context.terminal.stderr.write(`(run "image-cdn invalidate --help" for usage)\n`);
  }
  if (context.json) {
    writeJson(context.terminal, {
      ok: false,
      error: { type: kind, code, message },
      distributionId: context.distributionId ?? null,
      source: context.source ?? null,
      invalidations,
    });
  } else if (invalidations.length > 0) {
    context.terminal.stdout.write(formatSummaries(invalidations));
  }
  return EXIT_FOR_KIND[kind];
}

function writeJson(terminal: Terminal, value: unknown): void {
  terminal.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printDryRun(plan: InvalidationPlan, source: { stack: string; outputKey: string } | undefined, json: boolean, terminal: Terminal): void {
  if (json) {
    writeJson(terminal, {
      ok: true,
      dryRun: true,
      distributionId: plan.distributionId,
      source: source ?? null,
      batches: plan.batches,
    });
    return;
  }
  const lines = [`Dry run: nothing sent. ${plan.batches.length} invalidation(s) for ${plan.distributionId}:`];
  plan.batches.forEach((batch, index) => {
    lines.push(`  #${index + 1} caller reference ${batch.callerReference} (${batch.paths.length} path(s))`);
    for (const path of batch.paths) lines.push(`    ${path}`);
  });
  terminal.stdout.write(`${lines.join('\n')}\n`);
}

function formatSummaries(invalidations: readonly InvalidationSummary[]): string {
  return invalidations
    .map((invalidation) => {
      const reused = invalidation.reused
        ? `\n  note: CloudFront returned an invalidation created at ${invalidation.createTime} for this caller reference; nothing new was purged (pass --caller-reference to purge again)`
        : '';
      return (
        `${invalidation.id}  ${invalidation.status}  ${invalidation.paths.length} path(s)  caller reference ${invalidation.callerReference}${reused}\n` +
        invalidation.paths.map((path) => `  ${path}\n`).join('')
      );
    })
    .join('');
}

function printResult(result: InvalidateResult, source: { stack: string; outputKey: string } | undefined, json: boolean, terminal: Terminal): void {
  if (json) {
    writeJson(terminal, { ok: true, dryRun: false, ...result, source: source ?? null });
    return;
  }
  terminal.stdout.write(`Distribution ${result.distributionId}:\n${formatSummaries(result.invalidations)}`);
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const formatElapsed = (ms: number): string => {
  const total = Math.floor(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
};

/**
 * Progress goes to stderr so stdout stays the result. On a terminal a spinner line shows each
 * invalidation's status and the elapsed time; otherwise every status check prints one line.
 */
function createProgress(terminal: Terminal) {
  const statuses = new Map<string, string>();
  let spinner: NodeJS.Timeout | undefined;
  let frame = 0;
  let waitStartedMs = 0;

  const clearSpinnerLine = () => {
    if (spinner) terminal.stderr.write('\r\x1b[2K');
  };
  const drawSpinner = () => {
    const states = [...statuses].map(([id, status]) => `${id} ${status}`).join(', ');
    const glyph = SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length] ?? '*';
    terminal.stderr.write(`\r\x1b[2K${glyph} waiting: ${states}  ${formatElapsed(Date.now() - waitStartedMs)}`);
  };
  const line = (text: string) => {
    clearSpinnerLine();
    terminal.stderr.write(`${text}\n`);
    if (spinner) drawSpinner();
  };

  return {
    line,
    event(event: InvalidationProgress): void {
      switch (event.type) {
        case 'retrying':
          line(`CloudFront refused for now (${event.reason}); retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`);
          return;
        case 'created':
          statuses.set(event.invalidation.id, event.invalidation.status);
          line(
            `created invalidation ${event.invalidation.id} (${event.invalidation.status}, ${event.invalidation.paths.length} path(s))` +
              (event.invalidation.reused ? ' — existing invalidation for this caller reference' : ''),
          );
          return;
        case 'status':
          statuses.set(event.invalidation.id, event.invalidation.status);
          if (terminal.interactive) {
            if (!spinner) {
              waitStartedMs = Date.now() - event.elapsedMs;
              spinner = setInterval(drawSpinner, 100);
              spinner.unref();
            }
            drawSpinner();
          } else {
            terminal.stderr.write(`${event.invalidation.id} ${event.invalidation.status} after ${formatElapsed(event.elapsedMs)}\n`);
          }
          return;
      }
    },
    stop(): void {
      if (!spinner) return;
      clearSpinnerLine();
      clearInterval(spinner);
      spinner = undefined;
    },
  };
}
