import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TARBALL } from '../../support/package-tarball.js';
import { runIn } from './consumer-apps.js';

/**
 * The tarball installed alone into an empty app, as `npm install image-cdn` does it: none of the
 * optional peers (aws-cdk-lib, sharp, the AWS SDK) come with it.
 */
export async function bareInstall(prefix: string): Promise<string> {
  const app = await mkdtemp(path.join(tmpdir(), `image-cdn-${prefix}-`));
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ private: true }));
  const installed = await runIn(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', TARBALL]);
  if (installed.code !== 0) throw new Error(`npm install ${TARBALL} failed:\n${installed.stderr}`);
  return app;
}
