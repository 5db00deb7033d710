/**
 * `GET /v1/jobs/:jobId/runs`, an ended job's per-instance rows a page at a time, on the real dev server and the
 * local stack (emulator, sample containers): a job whose summary lists its rows, and a paged one (its summary
 * limit lowered to 0, as a job of more than 1,000 instances has it) whose rows are read from its runs: each
 * run's own result, and a run terminated before it returned one, described from the job's record and its
 * failure. Tenant-scoped like every job route; documented in the OpenAPI document.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { settleJobId } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { parseJobSpec } from '../../src/shared/job-spec';
import type { JobSummary, RunResult, RunSummary } from '../../src/shared/messages';
import { jobWorkflowId, runWorkflowId } from '../../src/shared/names';
import { batchJob } from '../../src/workflows';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const keys = {
  acme: `acme-${randomBytes(16).toString('hex')}`,
  globex: `globex-${randomBytes(16).toString('hex')}`,
};
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `api-runs-${randomBytes(4).toString('hex')}`,
    apiKeys: { acme: [keys.acme], globex: [keys.globex] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
    storage: false,
  });
});
afterAll(() => stack?.stop());

/** The sample container (examples/batch-job): two short steps, then it reports. */
const sampleJob = {
  image: 'acibatch.azurecr.io/samples/batch-job:1',
  cpu: 0.5,
  memoryGB: 0.5,
  env: { WORK_STEPS: '2', STEP_MS: '100' },
  monitorInterval: '2s',
  timeLimit: '2m',
  onFailure: { action: 'delete' },
};

interface Page {
  jobId: string;
  total: number;
  offset: number;
  limit: number;
  paged: boolean;
  runs: RunSummary[];
  nextOffset?: number;
}

interface Answer {
  error?: { code: string; message: string };
  result?: JobSummary | RunResult;
  paths?: Record<string, { get?: { parameters?: Array<{ name: string; in: string }> } }>;
}

async function api<T = Answer>(method: string, path: string, key?: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(key && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T & Answer };
}

/** The job's summary once it has ended. */
function ended(jobId: string): Promise<JobSummary> {
  return waitFor(
    `job ${jobId} to end`,
    async () => (await api('GET', `/v1/jobs/${jobId}`, keys.acme)).body.result as JobSummary | undefined,
    { timeoutMs: 90_000, intervalMs: 300 },
  );
}

/** A run's result as the summary lists it: without the log tail, the container's result, archive, outputs. */
function rowOf(result: RunResult): RunSummary {
  const { logTail: _tail, result: _result, logArchive: _archive, outputs: _outputs, ...row } = result;
  return row;
}

describe('GET /v1/jobs/:jobId/runs', () => {
  it("pages a listed summary's rows; refuses a bad page (400), another tenant (404), a running job (409)", async () => {
    const jobId = `rows-${randomBytes(3).toString('hex')}`;
    const submitted = await api('POST', '/v1/jobs', keys.acme, {
      ...sampleJob,
      jobId,
      instances: [{}, { env: { FAIL_ON_ATTEMPTS: '1' } }, {}],
    });
    expect(submitted.status).toBe(202);
    const running = await api('GET', `/v1/jobs/${jobId}/runs`, keys.acme);
    // the job may, rarely, have ended already: then the page answers
    if (running.status !== 200) {
      expect(running.status).toBe(409);
      expect(running.body.error?.code).toBe('JobNotFinished');
    }
    const summary = await ended(jobId);
    expect(summary.runsPaged).toBeUndefined();

    const all = await api<Page>('GET', `/v1/jobs/${jobId}/runs`, keys.acme);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ jobId, total: 3, offset: 0, limit: 100, paged: false, runs: summary.runs });
    const second = await api<Page>('GET', `/v1/jobs/${jobId}/runs?offset=1&limit=1`, keys.acme);
    expect(second.body).toMatchObject({ total: 3, offset: 1, limit: 1, nextOffset: 2 });
    expect(second.body.runs).toEqual([summary.runs[1]]);
    expect(second.body.runs[0]).toMatchObject({ status: 'Failed', message: 'told to fail on attempt 1' });
    expect((await api<Page>('GET', `/v1/jobs/${jobId}/runs?offset=5`, keys.acme)).body.runs).toEqual([]);

    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'offset=x', 'page=2']) {
      const bad = await api('GET', `/v1/jobs/${jobId}/runs?${query}`, keys.acme);
      expect(bad.status, query).toBe(400);
    }
    expect((await api('GET', `/v1/jobs/${jobId}/runs`)).status).toBe(401);
    expect((await api('GET', `/v1/jobs/${jobId}/runs`, keys.globex)).status).toBe(404);
    expect((await api('GET', `/v1/jobs/nope-${jobId}/runs`, keys.acme)).status).toBe(404);
  });

  it("reads a paged summary's rows from its runs, a run terminated without a result from its record", async () => {
    const jobId = `paged-${randomBytes(3).toString('hex')}`;
    const spec = settleJobId(
      parseJobSpec({
        ...sampleJob,
        tenant: 'acme',
        jobId,
        // instance 2 works for 10 minutes: it is terminated first
        instances: [
          {},
          { env: { FAIL_ON_ATTEMPTS: '1' } },
          { env: { WORK_STEPS: '600', STEP_MS: '1000' } },
          {},
        ],
      }),
    );
    // as the job client submits it, with the summary limit of a job of more than 1,000 instances lowered to 0
    await stack.client.workflow.start(batchJob, {
      taskQueue: stack.taskQueue,
      workflowId: jobWorkflowId('acme', jobId),
      args: [{ spec, settings: stack.jobSettings, summaryRowsMax: 0 }],
    });
    const run2 = stack.client.workflow.getHandle(runWorkflowId('acme', jobId, 2));
    await waitFor(
      'instance 2 to run',
      async () => (await run2.describe().catch(() => undefined))?.status.name === 'RUNNING',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect((await api('GET', `/v1/jobs/${jobId}/runs`, keys.acme)).body.error?.code).toBe('JobNotFinished');
    await run2.terminate('stopped by an operator');

    const summary = await ended(jobId);
    expect(summary).toMatchObject({
      outcome: 'PartiallyFailed',
      total: 4,
      succeeded: 2,
      failed: 2,
      runs: [],
      runsPaged: true,
    });
    expect(summary.runRecords).toHaveLength(4);

    const first = await api<Page>('GET', `/v1/jobs/${jobId}/runs?limit=2`, keys.acme);
    expect(first.body).toMatchObject({ jobId, total: 4, offset: 0, limit: 2, paged: true, nextOffset: 2 });
    const rest = await api<Page>('GET', `/v1/jobs/${jobId}/runs?offset=2`, keys.acme);
    expect(rest.body).toMatchObject({ total: 4, offset: 2, paged: true });
    expect(rest.body.nextOffset).toBeUndefined();
    const rows = [...first.body.runs, ...rest.body.runs];
    expect(rows.map((row) => [row.instanceIndex, row.status])).toEqual([
      [0, 'Succeeded'],
      [1, 'Failed'],
      [2, 'Failed'],
      [3, 'Succeeded'],
    ]);
    // a run that returned: its row is its result, as GET .../instances/:index has it
    for (const index of [0, 1, 3]) {
      const instance = await api('GET', `/v1/jobs/${jobId}/instances/${index}`, keys.acme);
      expect(rows[index]).toEqual(rowOf(instance.body.result as RunResult));
    }
    expect(rows[1]).toMatchObject({ message: 'told to fail on attempt 1', attempts: 1 });
    // terminated: the job's record (its billing, estimated) and the run's failure
    expect(rows[2]).toMatchObject({
      status: 'Failed',
      message: "stopped by an operator; billing estimated from the run's duration",
      attempts: 0,
      keptGroup: false,
    });
    expect(rows[2]!.billedSeconds).toBeGreaterThanOrEqual(0);
    const cost = rows.reduce((sum, row) => sum + row.costUsd, 0);
    expect(summary.costUsd).toBeCloseTo(cost, 6);
    expect((await api('GET', `/v1/jobs/${jobId}/runs`, keys.globex)).status).toBe(404);
  });

  it('is in the OpenAPI document, with its query', async () => {
    const { body } = await api('GET', '/openapi.json');
    const parameters = body.paths?.['/v1/jobs/{jobId}/runs']?.get?.parameters ?? [];
    expect(parameters.map((parameter) => `${parameter.in}:${parameter.name}`).sort()).toEqual([
      'path:jobId',
      'query:limit',
      'query:offset',
    ]);
  });
});
