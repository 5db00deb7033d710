import { defineConfig } from 'vitest/config';

/**
 * One runner for the whole project, in three groups run one after the other:
 *  1. unit: pure code, the emulator and the activities (real Azure SDK against the emulator)
 *  2. workflows: the time-skipping server's clock is shared by everyone connected, so these run serially
 *  3. integration: the real dev server, real activities, the emulator
 * test/global-setup.ts starts ONE dev server and ONE time-skipping server for the whole run (groups 2 and 3).
 */
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/{unit,shared,security,azure,emulator,activities}/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'workflows',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/workflows/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/{integration,e2e,api,cli,chaos}/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
