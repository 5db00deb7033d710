import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobStatusQuery } from '../../src/shared/messages';
import { jobWorkflowId } from '../../src/shared/names';
import { JOB_STATUS, TENANT as TENANT_KEY } from '../../src/shared/search-attributes';
import { INVALID_JOB_SPEC } from '../../src/shared/failures';
import type { FakeAci } from './fake-aci';
import { batchJob } from '../../src/workflows';
import { waitFor } from '../helpers/wait';
import { connectTestServer, fakeAci, withWorker } from './harness';
import type { SubmittedJobSpec } from '../../src/shared/job-spec';
import { batchJobInput, jobSpec, TENANT } from './specs';

describe('batchJob (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  let aci: FakeAci | undefined;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());
  afterEach(() => {
    expect(aci?.aliveGroups()).toEqual([]);
    aci = undefined;
  });

  it('fails for good on an invalid spec, listing every problem', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    // workflow input can come from anywhere (the Temporal CLI, the Web UI): unparsed, as written
    const input = { spec: jobSpec('invalid', { cpu: 64, ports: [25000] }) as unknown as SubmittedJobSpec };
    const error = await withWorker(env, aci, (taskQueue) =>
      env.client.workflow
        .execute(batchJob, {
          taskQueue,
          workflowId: jobWorkflowId(TENANT, input.spec.jobId),
          args: [input],
        })
        .catch((failure: unknown) => failure),
    );

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe(INVALID_JOB_SPEC);
    expect(cause.nonRetryable).toBe(true);
    expect(cause.details?.[0]).toEqual([
      expect.objectContaining({ path: 'cpu' }),
      expect.objectContaining({ path: 'ports.0' }),
    ]);
    expect(aci.createInputs).toEqual([]);
  });

  it('runs every instance, summarises outcomes and cost, and sets its search attributes', async () => {
    aci = fakeAci(env, {
      script: ({ instanceIndex }) =>
        instanceIndex === 1
          ? { kind: 'report', status: 'Failed', exitCode: 4, message: 'bad shard' }
          : { kind: 'report', status: 'Completed' },
    });
    const input = batchJobInput('mixed', {
      instances: [{ env: { SHARD: 'a' } }, { env: { SHARD: 'b' } }, { command: ['run', 'c'] }],
      onFailure: { action: 'delete' },
    });
    const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
    const { summary, status, attributes } = await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, { taskQueue, workflowId, args: [input] });
      const summary = await handle.result();
      const status = await handle.query(jobStatusQuery);
      const attributes = (await handle.describe()).typedSearchAttributes;
      return { summary, status, attributes };
    });

    expect(summary).toMatchObject({ outcome: 'PartiallyFailed', total: 3, succeeded: 2, failed: 1 });
    expect(summary.runs.map((run) => [run.instanceIndex, run.status, run.exitCode])).toEqual([
      [0, 'Succeeded', undefined],
      [1, 'Failed', 4],
      [2, 'Succeeded', undefined],
    ]);
    expect(summary.runs[0]).not.toHaveProperty('logTail');
    expect(summary.costUsd).toBeCloseTo(
      summary.runs.reduce((sum, run) => sum + run.costUsd, 0),
      6,
    );
    expect(status).toMatchObject({ state: 'PartiallyFailed', percent: 100 });
    expect(status.counts).toMatchObject({ pending: 0, running: 0, Succeeded: 2, Failed: 1 });
    expect(attributes.get(TENANT_KEY)).toBe(TENANT);
    expect(attributes.get(JOB_STATUS)).toBe('PartiallyFailed');
    // each instance got its own env and command, merged over the job's
    const byIndex = new Map(aci.createInputs.map((create) => [create.run.instanceIndex, create.spec]));
    expect(byIndex.get(1)?.env).toEqual({ SHARD: 'b' });
    expect(byIndex.get(2)?.command).toEqual(['run', 'c']);
    expect(aci.groups.size).toBe(0);
  });

  it('never has more than maxParallel container groups at once', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'report', status: 'Completed' }) });
    const input = batchJobInput('window', { instances: 12, maxParallel: 3 });
    const summary = await withWorker(env, aci, (taskQueue) =>
      env.client.workflow.execute(batchJob, {
        taskQueue,
        workflowId: jobWorkflowId(TENANT, input.spec.jobId),
        args: [input],
      }),
    );

    expect(summary.outcome).toBe('Completed');
    expect(aci.createInputs).toHaveLength(12);
    expect(aci.maxAlive).toBeLessThanOrEqual(3);
    expect(aci.maxAlive).toBeGreaterThan(1);
  });

  it('cancels every run when cancelled, waits for their cleanup, and summarises', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const input = batchJobInput('cancel', { instances: 6, maxParallel: 3 });
    const summary = await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, {
        taskQueue,
        workflowId: jobWorkflowId(TENANT, input.spec.jobId),
        args: [input],
      });
      await waitFor('the first 3 container groups', () => aci!.groups.size === 3);
      await handle.cancel();
      return handle.result();
    });

    expect(summary).toMatchObject({ outcome: 'Cancelled', total: 6, cancelled: 6, succeeded: 0 });
    expect(summary.runs.filter((run) => run.message === 'never started')).toHaveLength(3);
    expect(aci.groups.size).toBe(0);
  });
});
