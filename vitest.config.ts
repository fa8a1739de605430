import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The slow project: the installer's view (test/package/ installs the packed tarball) and every
 * file named `*.slow.test.ts`: nginx, the browser, the container and Lambda bundles, child-process
 * bombs, CDK synthesis, and any file measured at more than a few seconds. Everything else is
 * `unit`, which `npx vitest run --project unit` runs in well under a minute (test/README.md).
 */
const SLOW = ['test/package/**/*.test.ts', 'test/**/*.slow.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers and sharp share two cores; parallel files would just contend.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW],
          globalSetup: ['./test/support/global-build.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW,
          globalSetup: ['./test/support/global-build.ts', './test/support/global-pack.ts'],
        },
      },
    ],
  },
});
