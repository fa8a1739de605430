import { Command } from 'commander';

const program = new Command('image-cdn')
  .description('Self-hosted image CDN: run the origin, upload content-addressed sources, invalidate the CDN.')
  .showHelpAfterError();

await program.parseAsync(process.argv);
