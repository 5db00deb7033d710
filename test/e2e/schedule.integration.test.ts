/**
 * A recurring job end to end, as a service uses it: a schedule created through the HTTP API that fires every
 * few seconds on the real dev server, the real worker and activities, the real Azure SDK against the ACI
 * emulator, and the sample batch job as local processes. Two of its jobs run to completion and leave no
 * container group; the schedule is then deleted (and another tenant never sees it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import type { JobSummary } from '../../src/shared/messages';
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
    taskQueue: `e2e-schedule-${randomBytes(4).toString('hex')}`,
    apiKeys: { acme: [keys.acme], globex: [keys.globex] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
});
afterAll(() => stack?.stop());

interface Answer {
  error?: { code: string; message: string };
  name?: string;
  recentRuns?: Array<{ jobId: string; scheduledAt: string }>;
  jobs?: Array<{ jobId: string; status: string; schedule?: string }>;
  schedules?: Array<{ name: string }>;
  state?: string;
  schedule?: string;
  result?: JobSummary;
}

async function api(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
}

describe('a schedule through the HTTP API', () => {
  it('fires every few seconds: two jobs run and leave no group; deleted, it fires no more', async () => {
    const name = `every-${randomBytes(2).toString('hex')}`;
    const created = await api('POST', '/v1/schedules', keys.acme, {
      name,
      every: '4s',
      overlap: 'Skip',
      note: 'end-to-end',
      job: {
        image: 'acibatch.azurecr.io/samples/batch-job:1',
        cpu: 0.5,
        memoryGB: 0.5,
        env: { WORK_STEPS: '2', STEP_MS: '100' },
        instances: 2,
        monitorInterval: '2s',
        timeLimit: '2m',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.name).toBe(name);
    // another tenant's key sees nothing of it
    expect((await api('GET', `/v1/schedules/${name}`, keys.globex)).status).toBe(404);
    expect((await api('DELETE', `/v1/schedules/${name}`, keys.globex)).status).toBe(404);
    expect((await api('GET', '/v1/schedules', keys.globex)).body.schedules).toEqual([]);

    const completed = await waitFor(
      'two scheduled jobs to complete',
      async () => {
        const { body } = await api('GET', `/v1/jobs?schedule=${name}`, keys.acme);
        const done = (body.jobs ?? []).filter((job) => job.status === 'Completed');
        return done.length >= 2 && done;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(completed.every((job) => job.schedule === name)).toBe(true);
    for (const { jobId } of completed.slice(0, 2)) {
      expect(jobId).toMatch(new RegExp(`^${name}-\\d{14}$`));
      const { body } = await api('GET', `/v1/jobs/${jobId}`, keys.acme);
      expect(body).toMatchObject({ state: 'Completed', schedule: name, result: { succeeded: 2, total: 2 } });
    }
    const described = await api('GET', `/v1/schedules/${name}`, keys.acme);
    expect(described.body.recentRuns!.length).toBeGreaterThanOrEqual(2);

    expect((await api('DELETE', `/v1/schedules/${name}`, keys.acme)).status).toBe(200);
    expect((await api('GET', `/v1/schedules/${name}`, keys.acme)).status).toBe(404);
    // the job that may have started just before the delete ends; then nothing runs and no group is left
    await waitFor(
      "the schedule's jobs to end",
      async () => {
        const { body } = await api('GET', `/v1/jobs?schedule=${name}&status=Running`, keys.acme);
        return body.jobs?.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const { body } = await api('GET', `/v1/jobs?schedule=${name}`, keys.acme);
    const count = body.jobs!.length;
    expect(stack.emulator!.groups()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await api('GET', `/v1/jobs?schedule=${name}`, keys.acme)).body.jobs).toHaveLength(count);
  });
});
