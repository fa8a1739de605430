import { Command } from 'commander';
import { registerInvalidateCommand } from './commands/invalidate.js';
import { registerPutCommand } from './commands/put.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSignCommand } from './commands/sign.js';

export async function runCli(argv: readonly string[]): Promise<void> {
  const program = new Command('image-cdn')
    .description('Self-hosted image CDN: run the origin, upload content-addressed sources, invalidate the CDN.')
    .showHelpAfterError();
  registerServeCommand(program);
  registerInvalidateCommand(program);
  registerPutCommand(program);
  registerSignCommand(program);
  await program.parseAsync([...argv]);
}
