import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobWorkflowId } from '../../src/shared/names';
import { JOB_STATUS, TENANT as TENANT_KEY } from '../../src/shared/search-attributes';
import { batchJob } from '../../src/workflows';
import { connectTestServer, fakeAci, withWorker } from './harness';
import { batchJobInput, TENANT } from './specs';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** Temporal warns from 10,240 events per run and refuses more than 51,200. */
const HISTORY_WARNING_EVENTS = 10_240;

describe('batchJob at scale (mocked activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  it('runs 1,000 instances within history limits, continuing as new', { timeout: 120_000 }, async () => {
    const aci = fakeAci(env, { script: () => ({ kind: 'report', status: 'Completed' }) });
    const input = batchJobInput('thousand', { instances: 1000, maxParallel: 10, logTailLines: 0 });
    const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
    const { summary, eventsPerRun, attributes } = await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, { taskQueue, workflowId, args: [input] });
      const summary = await handle.result();
      return {
        summary,
        eventsPerRun: await historyLengths(env.client, workflowId, handle.firstExecutionRunId),
        attributes: (await handle.describe()).typedSearchAttributes,
      };
    });
    console.log(`1,000 instances: history events per run of the job workflow: ${eventsPerRun.join(', ')}`);

    expect(summary).toMatchObject({ outcome: 'Completed', total: 1000, succeeded: 1000 });
    expect(summary.runs.map((run) => run.instanceIndex)).toEqual([...Array(1000).keys()]);
    expect(eventsPerRun.length).toBeGreaterThan(1);
    for (const events of eventsPerRun) expect(events).toBeLessThan(HISTORY_WARNING_EVENTS);
    expect(aci.maxAlive).toBeLessThanOrEqual(10);
    // set by the first run, carried over by continue-as-new, completed by the last
    expect(attributes.get(TENANT_KEY)).toBe(TENANT);
    expect(attributes.get(JOB_STATUS)).toBe('Completed');
    expect(aci.aliveGroups()).toEqual([]);
  });
});

/** The number of events of each run in a continue-as-new chain, first to last. */
async function historyLengths(client: Client, workflowId: string, firstRunId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return lengths;
}
