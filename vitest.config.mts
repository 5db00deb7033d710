import { configDefaults, defineConfig } from 'vitest/config';

/**
 * One runner for the whole project, in five groups run one after the other:
 *  1. unit: pure code, the emulator and the activities (real Azure SDK against the emulator), the tooling
 *  2. workflows: the time-skipping server's clock is shared by everyone connected, so these run serially
 *  3. integration: the real dev server, real activities, the emulator
 *  4. browser: the tenant console in headless Chromium (playwright-core) against a real local stack on the dev
 *     server; test/console/browser-setup.ts builds the console when it is stale and finds Chromium
 *  5. cluster: the production topology (`npm run cluster`: temporal-server on PostgreSQL, two worker processes,
 *     the API process, the emulator process), its own tests and faults, plus the end-to-end and API
 *     integration files run a second time against the production server
 * test/global-setup.ts starts ONE dev server and ONE time-skipping server for the whole run (groups 2 and 3);
 * test/cluster/global-setup.ts starts the cluster when it does not run (and then stops it at the end).
 *
 * A test's folder says what it tests (test/api, test/janitor, test/workflows, ...: every test of one thing in
 * one folder); its file name says which group runs it: `x.test.ts` unit, `x.workflows.test.ts` workflows,
 * `x.integration.test.ts` integration, `x.browser.test.ts` browser. Groups 2 and 3 start Temporal workers: test/helpers/quiet-runtime.ts
 * runs first in each of their files and makes the quiet Temporal runtime the default there.
 */
const WORKFLOWS = 'test/**/*.workflows.test.ts';
const INTEGRATION = 'test/**/*.integration.test.ts';
const QUIET_RUNTIME = 'test/helpers/quiet-runtime.ts';
const CLUSTER = 'test/**/*.cluster.test.ts';
const BROWSER = 'test/**/*.browser.test.ts';
/** integration files that run on the cluster's server too: jobs end to end, and the API */
const ON_THE_CLUSTER_TOO = [
  'test/e2e/batch-job.integration.test.ts',
  'test/api/server.integration.test.ts',
  'test/api/list-order.integration.test.ts',
  'test/api/properties.integration.test.ts',
  'test/api/main.integration.test.ts',
];

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
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, WORKFLOWS, INTEGRATION, CLUSTER, BROWSER],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'workflows',
          globalSetup: ['test/global-setup.ts'],
          setupFiles: [QUIET_RUNTIME],
          include: [WORKFLOWS],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          globalSetup: ['test/global-setup.ts'],
          setupFiles: [QUIET_RUNTIME],
          include: [INTEGRATION],
          fileParallelism: false,
          testTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          globalSetup: ['test/global-setup.ts', 'test/console/browser-setup.ts'],
          setupFiles: [QUIET_RUNTIME],
          include: [BROWSER],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 3 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          globalSetup: ['test/cluster/global-setup.ts'],
          setupFiles: [QUIET_RUNTIME],
          include: [CLUSTER, ...ON_THE_CLUSTER_TOO],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
