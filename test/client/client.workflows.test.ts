/**
 * The job client (src/client) and the worker as the worker process assembles it (createWorker, src/worker.ts)
 * on the run-wide time-skipping server, with the workflow tests' fake ACI (test/workflows/harness.ts).
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateJobId,
  JobClient,
  JobFinishedError,
  JobNotFoundError,
  loadJobSettings,
  settleJobId,
} from '../../src/client';
import { ConfigError } from '../../src/config';
import { jobIdSchema, parseJobSpec } from '../../src/shared/job-spec';
import { completionSignal } from '../../src/shared/messages';
import { createWorker } from '../../src/worker';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import type { FakeAci } from '../workflows/fake-aci';
import { connectTestServer, fakeAci } from '../workflows/harness';
import { jobSpec, TENANT } from '../workflows/specs';

describe('client and worker (mocked activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  /** Runs `body` with a job client, against a worker made by createWorker as the worker process makes it. */
  async function withProjectWorker<T>(aci: FakeAci, body: (jobs: JobClient) => Promise<T>): Promise<T> {
    const taskQueue = `client-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: aci.activities(),
      workflowBundle: workflowBundle(),
    });
    return worker.runUntil(body(new JobClient(env.client, { taskQueue })));
  }

  it('starts a job once: a second submission returns the first, running or finished', async () => {
    const aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const spec = settleJobId(
      parseJobSpec(jobSpec('twice', { instances: 2, onFailure: { action: 'delete' } })),
    );
    const ref = { tenant: TENANT, jobId: spec.jobId };
    await withProjectWorker(aci, async (jobs) => {
      const first = await jobs.submit(spec);
      const second = await jobs.submit(spec);
      expect(first).toMatchObject({ started: true, ref });
      expect(second.started).toBe(false);
      expect(second.workflowId).toBe(first.workflowId);
      expect((await jobs.jobHandle(ref).describe()).memo).toMatchObject({ image: spec.image, instances: 2 });

      await waitFor('both container groups', () => aci.groups.size === 2);
      const running = await jobs.get(ref);
      expect(running.state).toBe('Running');
      expect(running.status?.counts.running).toBe(2);
      expect(running.status?.instances.map((instance) => instance.phase)).toEqual(['Running', 'Running']);

      await jobs
        .runHandle(ref, 0)
        .signal(completionSignal, { status: 'Completed', reportId: 'a', message: 'ok' });
      await jobs.runHandle(ref, 1).signal(completionSignal, { status: 'Failed', reportId: 'b', exitCode: 5 });
      const summary = await jobs.result(ref);
      expect(summary).toMatchObject({ outcome: 'PartiallyFailed', succeeded: 1, failed: 1 });
      expect((await jobs.get(ref)).summary).toEqual(summary);
      expect((await jobs.getRun(ref, 0)).result?.logTail).toContain('log of');

      const again = await jobs.submit(spec);
      expect(again.started).toBe(false);
      await expect(jobs.cancel(ref)).rejects.toThrow(JobFinishedError);
    });
    expect(aci.aliveGroups()).toEqual([]);
  });

  it('cancels a job, which removes its groups', async () => {
    const aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const spec = settleJobId(parseJobSpec(jobSpec('cancel-client', { instances: 2 })));
    const ref = { tenant: TENANT, jobId: spec.jobId };
    const summary = await withProjectWorker(aci, async (jobs) => {
      await jobs.submit(spec);
      await waitFor('both container groups', () => aci.groups.size === 2);
      await jobs.cancel(ref);
      return jobs.result(ref);
    });
    expect(summary.outcome).toBe('Cancelled');
    expect(aci.aliveGroups()).toEqual([]);
  });

  it('names a missing job, and gives a spec without an id a readable one', async () => {
    const jobs = new JobClient(env.client, { taskQueue: 'unused' });
    await expect(jobs.get({ tenant: TENANT, jobId: 'never-submitted' })).rejects.toThrow(JobNotFoundError);
    const id = generateJobId(new Date('2026-11-24T05:15:02Z'));
    expect(id).toMatch(/^20261124-051502-[0-9a-z]{5}$/);
    expect(jobIdSchema.safeParse(id).success).toBe(true);
    const { jobId: _, ...withoutId } = jobSpec('no-id');
    expect(settleJobId(parseJobSpec(withoutId)).jobId).toMatch(/^\d{8}-\d{6}-[0-9a-z]{5}$/);
    expect(settleJobId(parseJobSpec(withoutId), 'k-abc').jobId).toBe('k-abc');
  });

  it('reads job settings from the environment with clear errors', () => {
    expect(
      loadJobSettings({
        ACI_BATCH_CALLBACK_BASE_URL: 'https://api.example.com',
        ACI_PRICE_VCPU_HOUR_USD: '0.05',
      }),
    ).toEqual({
      callbackBaseUrl: 'https://api.example.com',
      temporal: undefined,
      prices: { vcpuHourUsd: 0.05, memoryGbHourUsd: 0.00445 },
    });
    expect(() => loadJobSettings({ ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS: 'localhost' })).toThrow(ConfigError);
  });
});
