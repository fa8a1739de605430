import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPOSITORY } from '../../support/package-tarball.js';

/** The marker in README.md before the composition example that the consumer test pastes into a `cdk init` app. */
export const SNIPPET_MARKER = '<!-- composition snippet: lib/my-app-stack.ts of `cdk init app --language typescript` -->';

/** The TypeScript block that follows the marker in README.md, verbatim. */
export async function readmeCompositionSnippet(): Promise<string> {
  const readme = await readFile(path.join(REPOSITORY, 'README.md'), 'utf8');
  const start = readme.indexOf(SNIPPET_MARKER);
  if (start < 0) throw new Error(`README.md has no "${SNIPPET_MARKER}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block) throw new Error('README.md has no ```ts block after the composition snippet marker');
  return block[1]!;
}
