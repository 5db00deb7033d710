/**
 * Schedules on the dev server (the time-skipping server has none), with real workflows and the fake ACI of
 * the workflow tests behind the activities: each overlap policy (Skip, BufferOne, CancelPrevious, AllowAll),
 * a backfill, a paused schedule that fires only once resumed, update, trigger, and the jobs' derived ids and
 * search attributes. The containers hang until the test reports for them, so a job runs as long as a test
 * needs it to.
 */
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobClient,
  ScheduleClient,
  ScheduleExistsError,
  ScheduleNotFoundError,
  type ScheduleView,
} from '../../src/client';
import { completionSignal } from '../../src/shared/messages';
import { runWorkflowId } from '../../src/shared/names';
import { parseScheduleSpec, ScheduleSpecError, type ScheduleSpecInput } from '../../src/shared/schedule-spec';
import { JOB_ID, SCHEDULE, TENANT as TENANT_KEY } from '../../src/shared/search-attributes';
import { stringMatching } from '../helpers/matchers';
import { connectToDevServer } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import type { FakeAci } from '../workflows/fake-aci';
import { fakeAci, withWorker } from '../workflows/harness';

const TENANT = `sched-${randomBytes(3).toString('hex')}`;
const job = {
  image: 'example.azurecr.io/batch/job:1.0',
  monitorInterval: '5 minutes',
  logTailLines: 0,
  onFailure: { action: 'delete' },
};

let env: TestWorkflowEnvironment;
let aci: FakeAci;
beforeAll(async () => {
  env = await connectToDevServer();
  // every container works until the test reports for it
  aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
});
afterAll(() => env?.teardown());

/** A schedule client and a job client on a worker with the fake ACI. */
function withClients<T>(
  body: (clients: { schedules: ScheduleClient; jobs: JobClient }) => Promise<T>,
): Promise<T> {
  return withWorker(env, aci, (taskQueue) => {
    const jobs = new JobClient(env.client, { taskQueue });
    return body({ jobs, schedules: new ScheduleClient(jobs) });
  });
}

const schedule = (name: string, fields: Partial<ScheduleSpecInput> = {}) =>
  parseScheduleSpec({ tenant: TENANT, name, every: '1m', paused: true, job, ...fields });

/** Three fire times of an every-minute schedule, in the past: 00:00, 00:01 and 00:02 of the hour before. */
function threeMinutes(): { start: Date; end: Date; stamps: string[] } {
  const start = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
  const end = new Date(start.getTime() + 2 * 60_000);
  const stamps = [0, 1, 2].map((minute) =>
    new Date(start.getTime() + minute * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14),
  );
  return { start, end, stamps };
}

/** The schedule once it has started `count` jobs (recent runs, from the schedule itself: consistent). */
function startedJobs(schedules: ScheduleClient, name: string, count: number): Promise<ScheduleView> {
  return waitFor(
    `schedule ${name} to start ${count} job(s)`,
    async () => {
      const view = await schedules.get({ tenant: TENANT, name });
      return view.recentRuns.length >= count && view;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
}

/** Reports the job's only instance done: its run deletes its group and the job completes. */
async function finish(jobs: JobClient, jobId: string): Promise<void> {
  const runId = runWorkflowId(TENANT, jobId, 0);
  await waitFor(`run ${runId} to start`, async () =>
    (
      await env.client.workflow
        .getHandle(runId)
        .describe()
        .catch(() => undefined)
    )?.status.name === 'RUNNING'
      ? true
      : undefined,
  );
  await env.client.workflow
    .getHandle(runId)
    .signal(completionSignal, { status: 'Completed', reportId: 'done' });
  await jobs.result({ tenant: TENANT, jobId });
}

/** Cancels whatever the schedule's jobs still run, and deletes it. */
async function cleanUp(clients: { schedules: ScheduleClient; jobs: JobClient }, name: string): Promise<void> {
  const view = await clients.schedules.get({ tenant: TENANT, name });
  await clients.schedules.delete({ tenant: TENANT, name });
  for (const jobId of view.runningJobs) {
    await clients.jobs.cancel({ tenant: TENANT, jobId }).catch(() => undefined);
    await clients.jobs.result({ tenant: TENANT, jobId }).catch(() => undefined);
  }
}

/** A moment in which a schedule that should not start another job would have. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

describe('schedules on the dev server', () => {
  it("creates a schedule with the tenant's search attributes; its jobs get ids from their fire times", async () => {
    await withClients(async (clients) => {
      const { schedules } = clients;
      const name = `ids-${randomBytes(2).toString('hex')}`;
      const created = await schedules.create(
        schedule(name, { cron: '0 2 * * *', every: undefined, timeZone: 'Europe/Paris', note: 'nightly' }),
      );
      expect(created).toMatchObject({
        scheduleId: `${TENANT}.schedule.${name}`,
        paused: true,
        note: 'nightly',
        schedule: { cron: '0 2 * * *', timeZone: 'Europe/Paris', overlap: 'Skip', job: { image: job.image } },
      });
      expect(created.nextRuns.length).toBeGreaterThan(0);
      // 02:00 in Paris
      expect(new Date(created.nextRuns[0]!).toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' })).toBe(
        '02:00:00',
      );
      const attributes = (await schedules.handle({ tenant: TENANT, name }).describe()).typedSearchAttributes;
      expect(attributes.get(TENANT_KEY)).toBe(TENANT);
      expect(attributes.get(SCHEDULE)).toBe(name);
      await expect(schedules.create(schedule(name))).rejects.toThrow(ScheduleExistsError);
      await waitFor('the schedule to be listed', async () =>
        (await schedules.list(TENANT)).some((item) => item.name === name && item.paused),
      );

      // trigger: one job now, named after its fire time, with the tenant's and the schedule's attributes
      await schedules.trigger({ tenant: TENANT, name });
      const [run] = (await startedJobs(schedules, name, 1)).recentRuns;
      expect(run!.jobId).toMatch(new RegExp(`^${name}-\\d{14}$`));
      expect(run!.workflowId).toMatch(
        new RegExp(`^${TENANT}\\.${name}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
      );
      const view = await clients.jobs.get({ tenant: TENANT, jobId: run!.jobId });
      expect(view).toMatchObject({ state: 'Running', schedule: name });
      await waitFor('the job to set its id', async () => {
        const jobAttributes = (await clients.jobs.jobHandle({ tenant: TENANT, jobId: run!.jobId }).describe())
          .typedSearchAttributes;
        return jobAttributes.get(JOB_ID) === run!.jobId && jobAttributes.get(SCHEDULE) === name;
      });
      await waitFor('the job to be listed with its id', async () => {
        const page = await clients.jobs.list({ tenant: TENANT, schedule: name });
        return page.jobs.some((item) => item.jobId === run!.jobId && item.schedule === name);
      });
      await finish(clients.jobs, run!.jobId);

      // update: a new interval; what was not given stays
      const updated = await schedules.patch({ tenant: TENANT, name }, { every: '2h', note: 'two-hourly' });
      expect(updated.schedule).toMatchObject({ every: '2h', timeZone: 'Europe/Paris', note: 'two-hourly' });
      expect(updated.schedule).not.toHaveProperty('cron');
      await expect(schedules.patch({ tenant: TENANT, name }, { overlap: 'Sometimes' })).rejects.toThrow(
        ScheduleSpecError,
      );
      // fields our schema leaves to Temporal: its refusal names the field
      const refused = { path: 'cron', message: stringMatching(/Temporal refused it: Hour is not in range/) };
      await expect(schedules.patch({ tenant: TENANT, name }, { cron: '0 25 * * *' })).rejects.toMatchObject({
        problems: [refused],
      });
      await expect(
        schedules.create(schedule(`${name}-bad`, { cron: '0 25 * * *', every: undefined })),
      ).rejects.toMatchObject({ problems: [refused] });
      await cleanUp(clients, name);
      await expect(schedules.get({ tenant: TENANT, name })).rejects.toThrow(ScheduleNotFoundError);
    });
  });

  it('Skip: a firing while the job runs is skipped; a backfill of three fire times starts one job', async () => {
    await withClients(async (clients) => {
      const name = `skip-${randomBytes(2).toString('hex')}`;
      await clients.schedules.create(schedule(name, { overlap: 'Skip' }));
      const { start, end, stamps } = threeMinutes();
      await clients.schedules.backfill({ tenant: TENANT, name }, { start, end });
      const view = await startedJobs(clients.schedules, name, 1);
      expect(view.recentRuns.map((run) => run.jobId)).toEqual([`${name}-${stamps[0]}`]);
      await settle();
      const after = await clients.schedules.get({ tenant: TENANT, name });
      expect(after.recentRuns).toHaveLength(1);
      expect(after.counts.skippedForOverlap).toBe(2);
      await finish(clients.jobs, `${name}-${stamps[0]}`);
      await settle();
      expect((await clients.schedules.get({ tenant: TENANT, name })).recentRuns).toHaveLength(1);
      await cleanUp(clients, name);
    });
  });

  it('BufferOne: one firing waits for the running job, the others are dropped', async () => {
    await withClients(async (clients) => {
      const name = `buffer-${randomBytes(2).toString('hex')}`;
      await clients.schedules.create(schedule(name, { overlap: 'BufferOne' }));
      const { start, end, stamps } = threeMinutes();
      await clients.schedules.backfill({ tenant: TENANT, name }, { start, end });
      await startedJobs(clients.schedules, name, 1);
      await settle();
      expect((await clients.schedules.get({ tenant: TENANT, name })).recentRuns).toHaveLength(1);
      await finish(clients.jobs, `${name}-${stamps[0]}`);
      // the first firing that had to wait starts once the first job has ended; the later one was dropped
      const view = await startedJobs(clients.schedules, name, 2);
      expect(view.recentRuns.map((run) => run.jobId)).toEqual([
        `${name}-${stamps[0]}`,
        `${name}-${stamps[1]}`,
      ]);
      await finish(clients.jobs, `${name}-${stamps[1]}`);
      await settle();
      expect((await clients.schedules.get({ tenant: TENANT, name })).recentRuns).toHaveLength(2);
      await cleanUp(clients, name);
    });
  });

  it('CancelPrevious: a new firing cancels the running job (its runs remove their groups), then starts', async () => {
    await withClients(async (clients) => {
      const name = `cancel-${randomBytes(2).toString('hex')}`;
      await clients.schedules.create(schedule(name, { overlap: 'CancelPrevious' }));
      const { start, stamps } = threeMinutes();
      const ref = { tenant: TENANT, name };
      // one fire time, then the next one while its job runs
      await clients.schedules.backfill(ref, { start, end: start });
      const [first, last] = [`${name}-${stamps[0]}`, `${name}-${stamps[1]}`];
      await waitFor('the first job to run', async () =>
        (await clients.jobs.get({ tenant: TENANT, jobId: first }).catch(() => undefined))?.state === 'Running'
          ? true
          : undefined,
      );
      const next = new Date(start.getTime() + 60_000);
      await clients.schedules.backfill(ref, { start: next, end: next });
      const view = await startedJobs(clients.schedules, name, 2);
      expect(view.recentRuns.map((run) => run.jobId)).toEqual([first, last]);
      const cancelled = await clients.jobs.result({ tenant: TENANT, jobId: first });
      expect(cancelled).toMatchObject({ outcome: 'Cancelled', cancelled: 1 });
      expect(aci.groups.has(cancelled.runs[0]!.groupName)).toBe(false);
      expect((await clients.jobs.get({ tenant: TENANT, jobId: last })).state).toBe('Running');
      await finish(clients.jobs, last);
      await cleanUp(clients, name);
    });
  });

  it('AllowAll and a backfill: every fire time of the range starts its job, side by side', async () => {
    await withClients(async (clients) => {
      const name = `all-${randomBytes(2).toString('hex')}`;
      await clients.schedules.create(schedule(name, { overlap: 'AllowAll' }));
      const { start, end, stamps } = threeMinutes();
      await clients.schedules.backfill({ tenant: TENANT, name }, { start, end });
      const view = await startedJobs(clients.schedules, name, 3);
      const jobIds = stamps.map((stamp) => `${name}-${stamp}`);
      expect(view.recentRuns.map((run) => run.jobId)).toEqual(jobIds);
      await waitFor('three jobs running at once', async () => {
        const states = await Promise.all(jobIds.map((jobId) => clients.jobs.get({ tenant: TENANT, jobId })));
        return states.every((job) => job.state === 'Running');
      });
      for (const jobId of jobIds) await finish(clients.jobs, jobId);
      await cleanUp(clients, name);
    });
  });

  it('a paused schedule fires only once resumed, and says why it was paused', async () => {
    await withClients(async (clients) => {
      const name = `paused-${randomBytes(2).toString('hex')}`;
      const ref = { tenant: TENANT, name };
      await clients.schedules.create(
        schedule(name, { every: '2s', paused: true, note: 'waiting for the data' }),
      );
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      const paused = await clients.schedules.get(ref);
      expect(paused).toMatchObject({ paused: true, note: 'waiting for the data', recentRuns: [] });

      const resumed = await clients.schedules.resume(ref, 'the data is in');
      expect(resumed).toMatchObject({ paused: false, note: 'the data is in' });
      const fired = await startedJobs(clients.schedules, name, 1);
      const again = await clients.schedules.pause(ref, 'enough');
      expect(again).toMatchObject({ paused: true, note: 'enough' });
      await cleanUp(clients, name);
      expect(fired.recentRuns[0]!.jobId).toMatch(new RegExp(`^${name}-\\d{14}$`));
    });
  });
});
