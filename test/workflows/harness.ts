/**
 * Workflow tests on the run-wide time-skipping server: a connection with the project's search attributes
 * registered, and a worker per test that runs the shared workflow bundle with a fake ACI as its activities.
 * A test that waits for a workflow to get somewhere (waitFor, test/helpers/wait.ts) waits in real time: the
 * server's clock skips only while a client waits on a workflow result.
 */
import { randomUUID } from 'node:crypto';
import { indexedValueType } from '../../dev/temporal-server';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createJobActivities } from '../../src/activities/jobs';
import { ProjectMetrics } from '../../src/observability/metrics';
import { metricsSinks } from '../../src/observability/metrics-sinks';
import { completionSignal, type CompletionReport } from '../../src/shared/messages';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { serverExecutable, TEMPORAL_TEST_SERVER } from '../../dev/temporal-tools';
import { connectToTimeSkippingServer, workflowBundle } from '../helpers/temporal';
import { FakeAci, type FakeAciOptions } from './fake-aci';

export async function connectTestServer(): Promise<TestWorkflowEnvironment> {
  const env = await connectToTimeSkippingServer();
  await registerSearchAttributes(env);
  return env;
}

/**
 * A time-skipping server of the file's own, stopped by its teardown. For tests whose jobs end while activities
 * of theirs are still being cancelled (a dependency wait, runs a policy cancels): the server holds its clock
 * until such an activity's cancellation lands, which on the shared server stalls the next file's timers.
 */
export async function startOwnTestServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: serverExecutable(TEMPORAL_TEST_SERVER) },
  });
  await registerSearchAttributes(env);
  return env;
}

/** The time-skipping server knows no custom search attributes until told; the workflows set them. */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, indexedValueType(key.type)]),
      ),
    });
  } catch (error) {
    // registered by an earlier test file (the server lives for the whole run)
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
}

const ALREADY_EXISTS = 6;

/** A fake ACI whose containers report by signalling their run through the test server. */
export function fakeAci(env: TestWorkflowEnvironment, options: Omit<FakeAciOptions, 'report'>): FakeAci {
  return new FakeAci({
    ...options,
    report: (workflowId: string, report: CompletionReport) =>
      env.client.workflow.getHandle(workflowId).signal(completionSignal, report),
  });
}

/**
 * Runs `body` while a worker with the fake ACI serves a fresh task queue, with the real wait for a job's
 * dependencies. Its client is a plain one: the environment's own would unlock time skipping while the wait
 * long-polls a dependency, and a test could no longer watch a job wait.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  aci: FakeAci,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      ...createJobActivities({
        client: new Client({ connection: env.connection, namespace: env.namespace ?? 'default' }),
      }),
      ...aci.activities(),
    },
    // the ledger reports its metrics through the same sink as production workers
    sinks: metricsSinks(new ProjectMetrics()),
  });
  return worker.runUntil(body(taskQueue));
}
