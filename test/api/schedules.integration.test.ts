/**
 * The schedule routes, the rerun route and dependencies over HTTP, on the real dev server and the local stack:
 * validation (each problem named), tenant isolation (another tenant's key sees 404), conflicts (409), every
 * schedule operation, a rerun of a partly failed job listed in the original's status, a dependency that does
 * not exist.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import type { JobSummary } from '../../src/shared/messages';
import { stringMatching } from '../helpers/matchers';
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
    taskQueue: `api-schedules-${randomBytes(4).toString('hex')}`,
    apiKeys: { acme: [keys.acme], globex: [keys.globex] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
});
afterAll(() => stack?.stop());

const sampleJob = {
  image: 'acibatch.azurecr.io/samples/batch-job:1',
  cpu: 0.5,
  memoryGB: 0.5,
  env: { WORK_STEPS: '2', STEP_MS: '100' },
  monitorInterval: '2s',
  timeLimit: '2m',
};

interface Answer {
  error?: { code: string; message: string; details?: unknown };
  [field: string]: unknown;
}

async function api(method: string, path: string, key?: string, body?: unknown) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(key && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
}

/** The job once it has ended, with its summary. */
function ended(jobId: string): Promise<JobSummary> {
  return waitFor(
    `job ${jobId} to end`,
    async () => (await api('GET', `/v1/jobs/${jobId}`, keys.acme)).body.result as JobSummary | undefined,
    { timeoutMs: 60_000, intervalMs: 300 },
  );
}

describe('schedule routes', () => {
  const name = `api-${randomBytes(2).toString('hex')}`;
  const path = `/v1/schedules/${name}`;
  const definition = {
    name,
    every: '24h',
    paused: true,
    note: 'not yet',
    job: { ...sampleJob, instances: 1 },
  };

  it('refuses a request without a key (401), an invalid schedule naming each problem (400), another tenant (403)', async () => {
    expect((await api('POST', '/v1/schedules', undefined, definition)).status).toBe(401);
    const invalid = await api('POST', '/v1/schedules', keys.acme, {
      ...definition,
      every: undefined,
      cron: '0 2 * *',
      overlap: 'Replace',
      job: { ...sampleJob, cpu: 64, jobId: 'fixed' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.code).toBe('InvalidSchedule');
    expect(invalid.body.error?.details).toEqual(
      expect.arrayContaining([
        { path: 'cron', message: stringMatching(/5 fields/) },
        { path: 'overlap', message: stringMatching(/Skip, BufferOne/) },
        { path: 'job.cpu', message: stringMatching(/at most 31/) },
        { path: 'job.jobId', message: stringMatching(/remove jobId/) },
      ]),
    );
    // a field our schema leaves to Temporal: refused by Temporal, still a 400 naming the field
    const outOfRange = await api('POST', '/v1/schedules', keys.acme, {
      ...definition,
      every: undefined,
      cron: '0 25 * * *',
    });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error?.details).toEqual([
      { path: 'cron', message: stringMatching(/Temporal refused it: Hour is not in range/) },
    ]);
    const other = await api('POST', '/v1/schedules', keys.acme, { ...definition, tenant: 'globex' });
    expect(other.status).toBe(403);
    expect(other.body.error?.code).toBe('TenantMismatch');
  });

  it('creates, reads, lists, changes, pauses, resumes, triggers, backfills and deletes a schedule', async () => {
    const created = await api('POST', '/v1/schedules', keys.acme, definition);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      tenant: 'acme',
      name,
      every: '24h',
      overlap: 'Skip',
      paused: true,
      note: 'not yet',
      job: { image: sampleJob.image, instances: 1 },
      jobsUrl: `/v1/jobs?schedule=${name}`,
    });
    expect((await api('POST', '/v1/schedules', keys.acme, definition)).body.error?.code).toBe(
      'ScheduleExists',
    );
    await waitFor('the schedule to be listed', async () => {
      const { body } = await api('GET', '/v1/schedules', keys.acme);
      return (body.schedules as Array<{ name: string }>).some((item) => item.name === name);
    });

    const patched = await api('PATCH', path, keys.acme, {
      cron: '30 6 * * MON-FRI',
      timeZone: 'America/New_York',
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      cron: '30 6 * * MON-FRI',
      timeZone: 'America/New_York',
      paused: true,
    });
    expect(patched.body).not.toHaveProperty('every');
    expect((await api('PATCH', path, keys.acme, { catchupWindow: '1s' })).body.error?.details).toEqual([
      { path: 'catchupWindow', message: stringMatching(/between 10s and 366 days/) },
    ]);
    expect((await api('PUT', path, keys.acme, { ...definition, name: 'other' })).status).toBe(400);
    const replaced = await api('PUT', path, keys.acme, { ...definition, overlap: 'BufferOne' });
    expect(replaced.body).toMatchObject({ every: '24h', overlap: 'BufferOne' });
    expect(replaced.body).not.toHaveProperty('cron');

    const resumed = await api('POST', `${path}/resume`, keys.acme, { note: 'go' });
    expect(resumed.body).toMatchObject({ paused: false, note: 'go' });
    expect((resumed.body.nextRuns as string[]).length).toBeGreaterThan(0);
    const paused = await api('POST', `${path}/pause`, keys.acme, { note: 'holiday' });
    expect(paused.body).toMatchObject({ paused: true, note: 'holiday' });

    expect((await api('POST', `${path}/trigger`, keys.acme)).status).toBe(202);
    const fired = await waitFor('the triggered job', async () => {
      const { body } = await api('GET', path, keys.acme);
      return (body.recentRuns as Array<{ jobId: string }>)[0]?.jobId;
    });
    expect(fired).toMatch(new RegExp(`^${name}-\\d{14}$`));
    expect((await ended(fired)).outcome).toBe('Completed');

    const backfillRefused = await api('POST', `${path}/backfill`, keys.acme, {
      start: '2026-11-02T00:00:00Z',
      end: '2026-11-01T00:00:00Z',
    });
    expect(backfillRefused.status).toBe(400);
    expect(backfillRefused.body.error?.message).toMatch(/end must not be before start/);
    // one fire time of the every-24h schedule: midnight UTC
    const backfilled = await api('POST', `${path}/backfill`, keys.acme, {
      start: '2026-11-01T00:00:00Z',
      end: '2026-11-01T00:00:00Z',
    });
    expect(backfilled.status).toBe(202);
    await waitFor('the backfilled job', async () => {
      const { body } = await api('GET', path, keys.acme);
      return (body.recentRuns as Array<{ jobId: string }>).some(
        (run) => run.jobId === `${name}-20261101000000`,
      );
    });
    expect((await ended(`${name}-20261101000000`)).outcome).toBe('Completed');

    expect((await api('DELETE', path, keys.acme)).body).toEqual({ name, deleted: true });
    expect((await api('GET', path, keys.acme)).status).toBe(404);
  });

  it("answers 404 to another tenant's key for every operation", async () => {
    const other = `private-${randomBytes(2).toString('hex')}`;
    expect((await api('POST', '/v1/schedules', keys.acme, { ...definition, name: other })).status).toBe(201);
    const at = `/v1/schedules/${other}`;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { note: 'x' }],
      ['PUT', '', { ...definition, name: other }],
      ['POST', '/pause', {}],
      ['POST', '/resume', {}],
      ['POST', '/trigger', {}],
      ['POST', '/backfill', { start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' }],
      ['DELETE', '', undefined],
    ] as const) {
      const answer = await api(method, `${at}${suffix}`, keys.globex, body);
      expect(answer.status, `${method} ${suffix}`).toBe(404);
      expect(answer.body.error?.code).toBe('NotFound');
    }
    expect((await api('GET', at, keys.acme)).body).toMatchObject({ name: other, recentRuns: [] });
    expect((await api('DELETE', at, keys.acme)).status).toBe(200);
  });
});

describe('rerun and dependencies over HTTP', () => {
  it('reruns the failed instances of a finished job, and lists the rerun in its status', async () => {
    const jobId = `partly-${randomBytes(3).toString('hex')}`;
    const submitted = await api('POST', '/v1/jobs', keys.acme, {
      ...sampleJob,
      jobId,
      instances: [{}, { env: { FAIL_ON_ATTEMPTS: '1' } }, {}],
      onFailure: { action: 'delete' },
    });
    expect(submitted.status).toBe(202);
    // while it runs, a rerun is refused
    const running = await api('POST', `/v1/jobs/${jobId}/rerun`, keys.acme);
    expect(running.status).toBe(409);
    expect(running.body.error?.code).toBe('JobNotFinished');
    expect((await ended(jobId)).outcome).toBe('PartiallyFailed');

    expect((await api('POST', `/v1/jobs/${jobId}/rerun`, keys.globex)).status).toBe(404);
    expect((await api('POST', `/v1/jobs/nope-${jobId}/rerun`, keys.acme)).status).toBe(404);
    const refused = await api('POST', `/v1/jobs/${jobId}/rerun`, keys.acme, { failed: false });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/failed must be true/);

    const rerun = await api('POST', `/v1/jobs/${jobId}/rerun`, keys.acme, { jobId: `${jobId}-again` });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    expect(rerun.body).toMatchObject({
      jobId: `${jobId}-again`,
      rerunOf: jobId,
      instances: [1],
      statusUrl: `/v1/jobs/${jobId}-again`,
    });
    const summary = await ended(`${jobId}-again`);
    // the instance ran as index 1, with its own parameters (it fails its first attempt again)
    expect(summary.runs.map((run) => [run.instanceIndex, run.status])).toEqual([[1, 'Failed']]);
    expect((await api('GET', `/v1/jobs/${jobId}-again`, keys.acme)).body.rerunOf).toBe(jobId);
    const original = await waitFor('the original to list its rerun', async () => {
      const { body } = await api('GET', `/v1/jobs/${jobId}`, keys.acme);
      return (body.reruns as unknown[] | undefined)?.length ? body : undefined;
    });
    expect(original.reruns).toEqual([expect.objectContaining({ jobId: `${jobId}-again`, status: 'Failed' })]);
  });

  it('refuses a rerun of a job without failures (409) and a dependency that does not exist (400)', async () => {
    const jobId = `fine-${randomBytes(3).toString('hex')}`;
    expect((await api('POST', '/v1/jobs', keys.acme, { ...sampleJob, jobId })).status).toBe(202);
    await ended(jobId);
    const nothing = await api('POST', `/v1/jobs/${jobId}/rerun`, keys.acme);
    expect(nothing.status).toBe(409);
    expect(nothing.body.error?.code).toBe('NothingToRerun');

    const missing = await api('POST', '/v1/jobs', keys.acme, {
      ...sampleJob,
      dependsOn: { jobs: [jobId, 'never-submitted'] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.details).toEqual([
      { path: 'dependsOn.jobs.1', message: stringMatching(/no job acme\/never-submitted/) },
    ]);
    // another tenant's jobs do not exist for it
    const foreign = await api('POST', '/v1/jobs', keys.globex, {
      ...sampleJob,
      dependsOn: { jobs: [jobId] },
    });
    expect(foreign.status).toBe(400);
  });
});
