import { describe, expect, it } from 'vitest';
import { parseScheduleSpec, ScheduleSpecError } from '../../src/shared/schedule-spec';
import { scheduledJobId, scheduledJobWorkflowId, scheduleId, SCHEDULED_JOB_ID } from '../../src/shared/names';
import { jobIdSchema } from '../../src/shared/job-spec';

const job = { image: 'acibatch.azurecr.io/samples/batch-job:1', instances: 2 };

function problemsOf(input: unknown): Record<string, string> {
  try {
    parseScheduleSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleSpecError);
    return Object.fromEntries((error as ScheduleSpecError).problems.map((p) => [p.path, p.message]));
  }
  throw new Error('expected the schedule to be rejected');
}

describe('schedule spec', () => {
  it('fills the defaults and gives the job its tenant', () => {
    const schedule = parseScheduleSpec({ tenant: 'acme', name: 'nightly', cron: '0 2 * * *', job });
    expect(schedule).toMatchObject({
      timeZone: 'UTC',
      overlap: 'Skip',
      catchupWindow: '10 minutes',
      paused: false,
      job: { tenant: 'acme', instances: 2, cpu: 1 },
    });
    expect(schedule.job).not.toHaveProperty('jobId');
    expect(
      parseScheduleSpec({
        tenant: 'acme',
        name: 'hourly',
        every: '1h',
        offset: '5m',
        timeZone: 'Europe/Paris',
        overlap: 'BufferOne',
        startAt: '2026-12-01T00:00:00Z',
        endAt: '2027-01-01T00:00:00+01:00',
        paused: true,
        note: 'waiting for the data',
        job,
      }),
    ).toMatchObject({ every: '1h', overlap: 'BufferOne', paused: true });
  });

  it("names each problem, the job's as job.<field>", () => {
    const problems = problemsOf({
      tenant: 'acme',
      name: 'a-name-longer-than-twenty-five',
      cron: 'every day',
      every: '1h',
      timeZone: 'Mars/Olympus',
      overlap: 'Replace',
      catchupWindow: '1s',
      startAt: 'tomorrow',
      job: { ...job, jobId: 'fixed', cpu: 64, tenant: 'globex' },
      extra: 1,
    });
    expect(problems.name).toMatch(/at most 25 characters/);
    expect(problems.cron).toMatch(/5 fields/);
    expect(problems.timeZone).toMatch(/IANA time zone/);
    expect(problems.overlap).toMatch(
      /Skip, BufferOne, BufferAll, CancelPrevious, TerminatePrevious, AllowAll/,
    );
    expect(problems.catchupWindow).toMatch(/between 10s and 366 days/);
    expect(problems.startAt).toMatch(/ISO time/);
    expect(problems['job.jobId']).toMatch(/<name>-<yyyymmddhhmmss>.*remove jobId/);
    expect(problems['job.tenant']).toMatch(/schedule's tenant/);
    expect(problems['job.cpu']).toMatch(/at most 31/);
    expect(problems['(schedule)']).toMatch(/unknown field\(s\) extra/);
  });

  it('needs cron or every, offset only with every, endAt after startAt', () => {
    expect(problemsOf({ tenant: 'acme', name: 'x', job }).cron).toMatch(/say when the job runs/);
    expect(problemsOf({ tenant: 'acme', name: 'x', cron: '@daily', every: '1h', job }).every).toMatch(
      /either cron or every, not both/,
    );
    expect(problemsOf({ tenant: 'acme', name: 'x', cron: '@daily', offset: '1m', job }).offset).toMatch(
      /goes with every/,
    );
    expect(
      problemsOf({
        tenant: 'acme',
        name: 'x',
        cron: '@daily',
        startAt: '2027-01-01T00:00:00Z',
        endAt: '2026-01-01T00:00:00Z',
        job,
      }).endAt,
    ).toMatch(/after startAt/);
    expect(problemsOf({ tenant: 'acme', name: 'x', cron: 'TZ=Europe/Paris 0 2 * * *', job }).cron).toMatch(
      /set timeZone instead/,
    );
  });
});

describe('scheduled job ids', () => {
  it('derive from the name and the fire time Temporal appends, and back', () => {
    const fallback = new Date('2030-01-01T00:00:00Z');
    const jobId = scheduledJobId('nightly', 'acme.nightly-2026-11-24T02:00:00Z', fallback);
    expect(jobId).toBe('nightly-20261124020000');
    expect(jobIdSchema.safeParse(jobId).success).toBe(true);
    expect(scheduledJobWorkflowId('acme', jobId)).toBe('acme.nightly-2026-11-24T02:00:00Z');
    expect(scheduledJobWorkflowId('acme', 'nightly-42')).toBeUndefined();
    // started by hand, without a fire time: the start time stands in
    expect(scheduledJobId('nightly', 'acme.nightly', fallback)).toBe('nightly-20300101000000');
  });

  it('fit a job id for the longest name, and never look like a generated, rerun or idempotency id', () => {
    const longest = 'n'.repeat(25);
    expect(
      jobIdSchema.safeParse(scheduledJobId(longest, `acme.${longest}-2026-11-24T02:00:00Z`, new Date()))
        .success,
    ).toBe(true);
    for (const other of ['20261124-051502-k3f9x', 'nightly-20261124020000-rerun-1', `k-${'0'.repeat(24)}`]) {
      expect(SCHEDULED_JOB_ID.test(other)).toBe(false);
    }
    expect(scheduleId('acme', 'nightly')).toBe('acme.schedule.nightly');
  });
});
