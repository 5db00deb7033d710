/**
 * A recurring job: a job spec and when to run it, on a Temporal Schedule. One schema for the API, the CLI and
 * the client, in the job spec's style: every problem named by its field, with the fix. The job inside is a job
 * spec without a job id: each firing's id is `<name>-<yyyymmddhhmmss>`, from the schedule's name and its fire
 * time (UTC), so a firing never runs twice.
 */
import { z } from 'zod';
import { jobSpecSchema, JobSpecError, type JobSpec } from './job-spec';
import { dnsLabel, durationBetween, tenantSchema } from './validation';

/**
 * What happens when a firing comes while the previous job still runs (Temporal's overlap policies, by our
 * names): skip it, keep one to start when the running job ends (or all of them, in turn), cancel the running
 * job (its runs remove their groups) then start, terminate it then start, or run them side by side.
 */
export const OVERLAP_POLICIES = [
  'Skip',
  'BufferOne',
  'BufferAll',
  'CancelPrevious',
  'TerminatePrevious',
  'AllowAll',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A schedule's name: its jobs' ids are `<name>-<yyyymmddhhmmss>`, so it leaves 15 of a job id's 40. */
export const scheduleNameSchema = dnsLabel('name', 25);

const overlap = z.enum(OVERLAP_POLICIES, {
  error: `overlap must be one of ${OVERLAP_POLICIES.join(', ')}`,
});

/** 5 to 7 fields, or a shorthand Temporal knows; Temporal checks the fields themselves. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4,6}\S+)$/;

const cron = z
  .string({ error: 'cron must be a cron expression, e.g. "0 2 * * *" (02:00 every day)' })
  .trim()
  .max(200, 'cron must be at most 200 characters')
  .refine(
    (text) => !/^(CRON_)?TZ=/.test(text),
    'cron must not carry a time zone; set timeZone instead (e.g. "Europe/Paris")',
  )
  .refine(
    (text) => CRON.test(text.replace(/\s*#.*$/, '')),
    'cron must have 5 fields (minute hour day-of-month month day-of-week, e.g. "0 2 * * *"), 6 or 7, or be @hourly, @daily, @weekly, @monthly or @yearly',
  );

const timeZone = z
  .string({ error: 'timeZone must be an IANA time zone name, e.g. "Europe/Paris" or "UTC"' })
  .refine(
    isTimeZone,
    'timeZone must be an IANA time zone name, e.g. "Europe/Paris", "America/New_York" or "UTC"',
  );

const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO time, e.g. "2026-12-01T00:00:00Z"` });

/** The schedule's fields as written (the job is checked by the job spec's own schema). */
const scheduleFields = z.object({
  tenant: tenantSchema,
  name: scheduleNameSchema,
  /** a cron expression, in timeZone (default UTC) */
  cron: cron.optional(),
  /** or an interval, e.g. "1h", counted from the Unix epoch plus offset */
  every: durationBetween('1s', '366 days', 'every').optional(),
  offset: durationBetween('0s', '366 days', 'offset').optional(),
  timeZone: timeZone.default('UTC'),
  overlap: overlap.default('Skip'),
  /** after an outage, firings missed by at most this long still run (Temporal's minimum: 10 s) */
  catchupWindow: durationBetween('10s', '366 days', 'catchupWindow').default('10 minutes'),
  startAt: instant('startAt').optional(),
  endAt: instant('endAt').optional(),
  paused: z.boolean({ error: 'paused must be true or false' }).default(false),
  /** why it is paused, or anything worth knowing (shown by describe and in the Web UI) */
  note: z.string().max(1000, 'note must be at most 1,000 characters').optional(),
  job: z.record(z.string(), z.unknown(), {
    error: 'job must be a job spec (image, instances, ...), as for POST /v1/jobs, without a jobId',
  }),
});

const scheduleObject = scheduleFields.strict().superRefine((schedule, ctx) => {
  if (schedule.cron !== undefined && schedule.every !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['every'],
      message: 'give either cron or every, not both',
    });
  } else if (schedule.cron === undefined && schedule.every === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['cron'],
      message: 'say when the job runs: cron (e.g. "0 2 * * *": 02:00 every day) or every (e.g. "1h")',
    });
  }
  if (schedule.offset !== undefined && schedule.every === undefined) {
    ctx.addIssue({ code: 'custom', path: ['offset'], message: 'offset goes with every; remove it' });
  }
  if (schedule.startAt && schedule.endAt && Date.parse(schedule.endAt) <= Date.parse(schedule.startAt)) {
    ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'endAt must be after startAt' });
  }
});

export type ScheduleSpecInput = z.input<typeof scheduleObject>;
/** A validated schedule: its job a parsed job spec (with the schedule's tenant, without a job id). */
export type ScheduleSpec = Omit<z.output<typeof scheduleObject>, 'job'> & { job: JobSpec };
/** The schedule without its job: what describe shows of its timing and policies. */
export type ScheduleTiming = Omit<ScheduleSpec, 'job' | 'tenant' | 'name' | 'paused' | 'note'>;

/** The request body's JSON schema, for the OpenAPI document: the job as the job routes document it. */
export const scheduleSpecSchema = scheduleFields.extend({ job: jobSpecSchema }).strict();

export class ScheduleSpecError extends JobSpecError {
  override name = 'ScheduleSpecError';
}

/** Validates a schedule; throws ScheduleSpecError listing every problem (the job's as `job.<field>`). */
export function parseScheduleSpec(input: unknown): ScheduleSpec {
  const problems: Array<{ path: string; message: string }> = [];
  const result = scheduleObject.safeParse(input);
  if (!result.success) {
    problems.push(
      ...result.error.issues.map((issue) => ({
        path: issue.path.length ? issue.path.map(String).join('.') : '(schedule)',
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown field(s) ${issue.keys.join(', ')}; check the spelling`
            : issue.message,
      })),
    );
  }
  const raw = (input ?? {}) as { tenant?: unknown; job?: unknown };
  let job: JobSpec | undefined;
  if (typeof raw.job === 'object' && raw.job !== null && !Array.isArray(raw.job)) {
    const written = raw.job as Record<string, unknown>;
    if (written.jobId !== undefined) {
      problems.push({
        path: 'job.jobId',
        message: "each firing's job id is <name>-<yyyymmddhhmmss> (its fire time, UTC); remove jobId",
      });
    }
    if (written.tenant !== undefined && written.tenant !== raw.tenant) {
      problems.push({
        path: 'job.tenant',
        message: "a schedule's job belongs to the schedule's tenant; remove it",
      });
    }
    const { jobId: _jobId, ...rest } = written;
    const parsed = jobSpecSchema.safeParse({ ...rest, tenant: raw.tenant });
    if (parsed.success) job = JSON.parse(JSON.stringify(parsed.data)) as JobSpec;
    else
      problems.push(
        ...parsed.error.issues
          // the schedule's own tenant problem is reported once, as `tenant`
          .filter((issue) => issue.path[0] !== 'tenant')
          .map((issue) => ({
            path: ['job', ...issue.path.map(String)].join('.'),
            message:
              issue.code === 'unrecognized_keys'
                ? `unknown field(s) ${issue.keys.join(', ')}; check the spelling`
                : issue.message,
          })),
      );
  }
  if (problems.length || !result.success || !job) {
    throw new ScheduleSpecError(
      `Invalid schedule:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
      problems,
    );
  }
  return { ...(JSON.parse(JSON.stringify(result.data)) as Omit<ScheduleSpec, 'job'>), job };
}

/** The fields of a schedule besides its identity and job, as a schedule's memo keeps them. */
export function timingOf(schedule: ScheduleSpec): ScheduleTiming {
  const { job: _job, tenant: _tenant, name: _name, paused: _paused, note: _note, ...timing } = schedule;
  return timing;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
