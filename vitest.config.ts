import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers and sharp share two cores; parallel files would just contend.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
