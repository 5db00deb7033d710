/**
 * Connections to the run-wide Temporal servers started by test/global-setup.ts, and the shared workflow bundle.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../src/config';

/** The real dev server (SQLite, search attributes registered) in the project's namespace. */
export function connectToDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
  });
}

type CreateOptions = { server: { type: 'existing' }; address: string; supportsTimeSkipping: boolean };

/**
 * The time-skipping test server. The SDK offers time skipping only on a server it starts itself; to share one
 * server per run we call its internal factory with `supportsTimeSkipping` on an existing address.
 */
export function connectToTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const factory = TestWorkflowEnvironment as unknown as {
    create(options: CreateOptions): Promise<TestWorkflowEnvironment>;
  };
  return factory.create({
    server: { type: 'existing' },
    address: inject('temporalTimeSkippingAddress'),
    supportsTimeSkipping: true,
  });
}

/** The workflow bundle built once per run; pass it as the Worker's `workflowBundle`. */
export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}
