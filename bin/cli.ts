import { Command, Option } from 'commander';
import { classifyError, describeError, EXIT_FOR_KIND } from './cli-errors.js';
import { registerInvalidateCommand } from './commands/invalidate.js';
import { registerPutCommand } from './commands/put.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSignCommand } from './commands/sign.js';

export async function runCli(argv: readonly string[]): Promise<void> {
  const program = new Command('image-cdn')
    .description('Self-hosted image CDN: run the origin, upload content-addressed sources, invalidate the CDN.')
    .addOption(new Option('--debug', 'print the stack trace of an error').env('IMAGE_CDN_DEBUG'))
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failed, 2 usage or configuration error, 3 AWS error, 4 timed out.\n' +
        'See docs/configuration.md, "Command-line errors and exit codes".',
    );
  registerServeCommand(program);
  registerInvalidateCommand(program);
  registerPutCommand(program);
  registerSignCommand(program);
  // Commander reports its own usage errors (unknown option, missing argument) and exits; whatever
  // a command throws arrives here and becomes one line.
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.stderr.write(`${prefix(program, argv)}: ${describeError(error)}\n`);
    if (program.opts<{ debug?: boolean }>().debug || argv.includes('--debug')) {
      process.stderr.write(`${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    }
    process.exitCode = EXIT_FOR_KIND[classifyError(error)];
  }
}

/** `image-cdn <command>`, from the command line: an error can come before commander has settled the command. */
function prefix(program: Command, argv: readonly string[]): string {
  const names = new Set(program.commands.map((command) => command.name()));
  const command = argv.slice(2).find((arg) => names.has(arg));
  return command ? `image-cdn ${command}` : 'image-cdn';
}
