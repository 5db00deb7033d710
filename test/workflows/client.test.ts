import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRunToken } from '../../src/security/run-tokens';
import {
  cancelJob,
  generateJobId,
  getJobResult,
  getJobStatus,
  getRunResult,
  loadJobSettings,
  signalRun,
  startJob,
} from '../../src/client';
import { ConfigError } from '../../src/config';
import { JobSpecError, jobIdSchema, parseJobSpec } from '../../src/shared/job-spec';
import { CONTAINER_ENV, runWorkflowId } from '../../src/shared/names';
import { createWorker, withRunTokens } from '../../src/worker';
import { workflowBundle } from '../helpers/temporal';
import { FakeAci } from './fake-aci';
import { connectTestServer, eventually, fakeAci } from './harness';
import { jobSpec, TENANT } from './specs';

describe('client and worker (mocked activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  /** Runs `body` against a worker made by createWorker, as the worker process makes it. */
  async function withProjectWorker<T>(aci: FakeAci, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `client-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: aci.activities(),
      workflowBundle: workflowBundle(),
    });
    return worker.runUntil(body(taskQueue));
  }

  it('starts a job once: a second submission returns the first, running or finished', async () => {
    const aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const spec = jobSpec('twice', { instances: 2, onFailure: { action: 'delete' } });
    await withProjectWorker(aci, async (taskQueue) => {
      const first = await startJob(env.client, spec, { taskQueue });
      const second = await startJob(env.client, spec, { taskQueue });
      expect(first).toMatchObject({ started: true, tenant: TENANT, jobId: spec.jobId });
      expect(second.started).toBe(false);
      expect(second.workflowId).toBe(first.workflowId);
      expect((await first.handle.describe()).memo).toMatchObject({ image: spec.image, instances: 2 });

      await eventually(() => aci.groups.size === 2);
      const status = await getJobStatus(env.client, TENANT, spec.jobId);
      expect(status.counts.running).toBe(2);
      expect(status.instances.map((instance) => instance.phase)).toEqual(['Running', 'Running']);

      await signalRun(env.client, TENANT, spec.jobId, 0, {
        status: 'Completed',
        reportId: 'a',
        message: 'ok',
      });
      await signalRun(env.client, TENANT, spec.jobId, 1, { status: 'Failed', reportId: 'b', exitCode: 5 });
      const summary = await getJobResult(env.client, TENANT, spec.jobId);
      expect(summary).toMatchObject({ outcome: 'PartiallyFailed', succeeded: 1, failed: 1 });
      expect((await getRunResult(env.client, TENANT, spec.jobId, 0)).logTail).toContain('log of');

      const again = await startJob(env.client, spec, { taskQueue });
      expect(again.started).toBe(false);
      expect(await again.handle.result()).toEqual(summary);
    });
    expect(aci.aliveGroups()).toEqual([]);
  });

  it('cancels a job, which removes its groups', async () => {
    const aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const spec = jobSpec('cancel-client', { instances: 2 });
    const summary = await withProjectWorker(aci, async (taskQueue) => {
      await startJob(env.client, spec, { taskQueue });
      await eventually(() => aci.groups.size === 2);
      await cancelJob(env.client, TENANT, spec.jobId);
      return getJobResult(env.client, TENANT, spec.jobId);
    });
    expect(summary.outcome).toBe('Cancelled');
    expect(aci.aliveGroups()).toEqual([]);
  });

  it('refuses an invalid spec before starting anything, and names a job that has no id', async () => {
    await expect(startJob(env.client, { tenant: 'Acme' }, { taskQueue: 'unused' })).rejects.toThrow(
      JobSpecError,
    );
    const id = generateJobId(new Date('2026-11-24T05:15:02Z'));
    expect(id).toMatch(/^20261124-051502-[0-9a-z]{5}$/);
    expect(jobIdSchema.safeParse(id).success).toBe(true);
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

  it('gives containers that report by callback a token signed for their run only', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    const aci = new FakeAci({ script: () => ({ kind: 'hang' }), report: async () => {} });
    const activities = withRunTokens(aci.activities(), secret);
    const runId = runWorkflowId(TENANT, 'tokens', 0);
    const spec = parseJobSpec(jobSpec('tokens'));
    await new MockActivityEnvironment().run(activities.createContainerGroup, {
      resourceGroup: 'rg',
      name: 'group',
      spec,
      instanceIndex: 0,
      jobId: 'tokens',
      workflowId: runId,
      env: { [CONTAINER_ENV.callbackUrl]: `https://api.example.com/runs/${runId}` },
      secureEnv: {},
    });
    const token = aci.createInputs[0]!.secureEnv[CONTAINER_ENV.callbackToken]!;
    expect(verifyRunToken(secret, runId, token)).toBe(true);
    expect(verifyRunToken(secret, `${runId}x`, token)).toBe(false);
  });
});
