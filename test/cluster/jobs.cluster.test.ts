/**
 * Jobs end to end on the production topology: a tenant submits through the API process, the two worker
 * processes run the workflows and activities against the emulator process, containers report back through the
 * API's callbacks, and Temporal keeps it all in PostgreSQL (SQL visibility with the project's search
 * attributes serves the job list).
 */
import { randomBytes } from 'node:crypto';
import { type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs } from '../../src/shared/duration';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { workerIdentity } from '../../dev/cluster/cluster';
import { NAMESPACE_RETENTION, indexedValueType } from '../../dev/temporal-server';
import { OTHER_TENANT, workerNames, type ClusterState } from '../../dev/cluster/state';
import { NUM_HISTORY_SHARDS, SQL_PLUGIN, TEMPORAL_SERVER_VERSION } from '../../dev/cluster/settings';
import { judge, succeeded, type ChaosJob } from '../chaos/jobs';
import { waitFor } from '../helpers/wait';
import {
  clusterState,
  connectTemporal,
  groupNames,
  groupsLeft,
  runIds,
  sampleJob,
  TenantApi,
  workersOf,
} from './kit';

const id = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;

let state: ClusterState;
let api: TenantApi;
let client: Client;

beforeAll(async () => {
  state = clusterState();
  api = new TenantApi(state);
  client = await connectTemporal(state);
});
afterAll(() => client?.connection.close());

describe('the cluster', () => {
  it('is the production server on PostgreSQL, with the namespace, retention and search attributes', async () => {
    const { serverVersion } = await client.workflowService.getSystemInfo({});
    expect(serverVersion).toBe(TEMPORAL_SERVER_VERSION);
    const info = await client.workflowService.getClusterInfo({});
    expect(info.persistenceStore).toBe(SQL_PLUGIN);
    expect(info.visibilityStore).toBe(SQL_PLUGIN);
    expect(info.historyShardCount).toBe(NUM_HISTORY_SHARDS);

    const { config } = await client.workflowService.describeNamespace({ namespace: state.namespace });
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(
      durationMs(NAMESPACE_RETENTION) / 1000,
    );
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
      namespace: state.namespace,
    });
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      expect(customAttributes?.[key.name], key.name).toBe(indexedValueType(key.type));
    }
  });
});

describe('jobs through the API process, on the two worker processes', () => {
  it('run every instance of the sample job, restart the one that fails once, and leave no group', async () => {
    const jobs: ChaosJob[] = [0, 1].map((jobIndex) => {
      const jobId = id(`e2e-${jobIndex}`);
      const instances: Array<Record<string, string>> = [{}, { FAIL_ON_ATTEMPTS: '1' }, {}, {}];
      return {
        jobId,
        spec: sampleJob(jobId, instances),
        expected: instances.map((env) => succeeded('FAIL_ON_ATTEMPTS' in env ? 2 : 1)),
      };
    });
    for (const job of jobs) {
      const { status, body } = await api.submit(job.spec);
      expect(status, JSON.stringify(body)).toBe(202);
      expect(body).toMatchObject({ jobId: job.jobId, created: true, statusUrl: `/v1/jobs/${job.jobId}` });
    }
    const settled = await Promise.all(jobs.map((job) => api.settle(job.jobId, 120_000)));
    expect(jobs.flatMap((job, index) => judge(job, settled[index]!))).toEqual([]);
    for (const outcome of settled) {
      if (!('summary' in outcome)) continue;
      expect(outcome.summary).toMatchObject({ outcome: 'Completed', succeeded: 4, tenant: 'cluster' });
      expect(outcome.summary.costUsd).toBeGreaterThan(0);
    }
    expect(await groupsLeft(state, jobs.flatMap(groupNames))).toEqual([]);

    // the two worker processes shared the work: both appear in the histories of the runs
    const identities = new Set<string>();
    for (const workflowId of jobs.flatMap(runIds)) {
      for (const identity of await workersOf(client, workflowId)) identities.add(identity);
    }
    const workers = workerNames().map((name) => workerIdentity(state.processes[name]!.pid));
    expect([...identities].sort()).toEqual(expect.arrayContaining(workers.sort()));
  });

  it('take a submission once per Idempotency-Key, and answer the job, its instances and the job list', async () => {
    const key = `cluster-${randomBytes(8).toString('hex')}`;
    const spec = sampleJob('', [{}, {}]);
    delete spec.jobId;
    const first = await api.submit(spec, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const again = await api.submit(spec, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ jobId: first.body.jobId, created: false });
    const jobId = String(first.body.jobId);

    const settled = await api.settle(jobId, 60_000);
    expect('summary' in settled && settled.summary.outcome).toBe('Completed');
    const instance = await api.request('GET', `/v1/jobs/${jobId}/instances/1`);
    expect(instance.status).toBe(200);
    expect(instance.body).toMatchObject({
      state: 'Finished',
      result: { status: 'Succeeded', instanceIndex: 1 },
    });

    // the list is a visibility query on AciBatchTenant and AciBatchStatus, served by PostgreSQL
    const listed = await waitFor(
      'the job in the list of completed jobs',
      async () => {
        const { body } = await api.request<{ jobs: Array<{ jobId: string; status: string }> }>(
          'GET',
          '/v1/jobs?status=Completed&pageSize=200',
        );
        return body.jobs.find((job) => job.jobId === jobId);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(listed.status).toBe('Completed');
    const running = await api.request<{ jobs: Array<{ jobId: string }> }>('GET', '/v1/jobs?status=Running');
    expect(running.body.jobs.map((job) => job.jobId)).not.toContain(jobId);
  });

  it('keep tenants apart, and refuse a wrong key', async () => {
    const jobId = id('mine');
    expect((await api.submit(sampleJob(jobId, [{}]))).status).toBe(202);
    const other = new TenantApi(state, OTHER_TENANT);
    expect((await other.job(jobId)).status).toBe(404);
    const { body } = await other.request<{ jobs: Array<{ jobId: string }> }>('GET', '/v1/jobs');
    expect(body.jobs.map((job) => job.jobId)).not.toContain(jobId);
    const wrong = new TenantApi(state, 'cluster', 'not-a-key-of-anyone-0123456789');
    expect((await wrong.job(jobId)).status).toBe(401);
    expect('summary' in (await api.settle(jobId, 60_000))).toBe(true);
  });

  it('cancel a running job: every run ends Cancelled and no group is left', async () => {
    const job = { jobId: id('cancel'), expected: [succeeded(), succeeded()] };
    const spec = sampleJob(job.jobId, [{}, {}], { env: { WORK_STEPS: '120', STEP_MS: '1000' } });
    expect((await api.submit(spec)).status).toBe(202);
    await waitFor(
      'both containers to work',
      async () => {
        const views = await Promise.all(
          [0, 1].map((index) => api.request('GET', `/v1/jobs/${job.jobId}/instances/${index}`)),
        );
        return views.every(
          ({ body }) =>
            body.state === 'Running' && (body.progress as { phase?: string })?.phase === 'Running',
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const cancelled = await api.request('POST', `/v1/jobs/${job.jobId}/cancel`);
    expect(cancelled.status).toBe(202);
    const settled = await api.settle(job.jobId, 90_000);
    expect('summary' in settled && settled.summary.outcome).toBe('Cancelled');
    if ('summary' in settled) {
      expect(settled.summary.runs.map((run) => run.status)).toEqual(['Cancelled', 'Cancelled']);
    }
    expect(await groupsLeft(state, groupNames(job))).toEqual([]);
  });
});
