/**
 * The quiet Temporal runtime of every test process. Tests provoke failures on purpose, and the SDK logs each
 * failed activity and workflow as a warning: test processes show the runtime's errors only (worker, workflow
 * and activity logs, and the core's logs forwarded to the same logger).
 *
 * vitest.config.mts runs this file first in every test file of the projects that start Temporal workers
 * (workflows, integration), so no test file imports it for its effect. It does not install the runtime: it
 * makes these options the runtime's defaults, which the SDK uses when a test's first connection or worker
 * creates the runtime. A test that needs a runtime of its own still installs it, with `Runtime.install`, before
 * its first connection: the secrets test captures the whole worker log (at DEBUG) to prove that no secret is
 * printed, and the observability test installs the worker's own runtime options (its Prometheus endpoint).
 * (The runtime is one per process and installing it twice throws: an installed quiet runtime would rule both
 * of those out, which is why this setup only sets defaults.)
 *
 * The chaos suite's worker process and the activity tests' MockActivityEnvironment use the same settings.
 */
import { DefaultLogger, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';

export const QUIET_LOG_LEVEL: LogLevel = 'ERROR';

export const QUIET_RUNTIME_OPTIONS: RuntimeOptions = {
  logger: new DefaultLogger(QUIET_LOG_LEVEL),
  telemetryOptions: {
    logging: { filter: { core: QUIET_LOG_LEVEL, other: QUIET_LOG_LEVEL }, forward: {} },
  },
};

Runtime.defaultOptions = QUIET_RUNTIME_OPTIONS;
