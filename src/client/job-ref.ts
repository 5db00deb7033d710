/**
 * A job is named by its tenant and job id (`JobRef`); its workflow id is derived from both, so submitting the
 * same job twice never starts it twice. The edge that accepts a spec (the API or the CLI) settles the job id
 * once, here, and everything downstream takes it as given.
 */
import { randomBytes } from 'node:crypto';
import { JobSpecError, type JobSpec, type SubmittedJobSpec } from '../shared/job-spec';
import { SCHEDULED_JOB_ID } from '../shared/names';

export interface JobRef {
  tenant: string;
  jobId: string;
}

/** A tenant's schedule, by its name. */
export interface ScheduleRef {
  tenant: string;
  name: string;
}

/** "acme/nightly": how messages and the CLI name a schedule. */
export function formatScheduleRef(ref: ScheduleRef): string {
  return `${ref.tenant}/${ref.name}`;
}

/** "acme/nightly-2026-11-24": how messages and the CLI name a job. */
export function formatJobRef(ref: JobRef): string {
  return `${ref.tenant}/${ref.jobId}`;
}

/** e.g. "20261124-051502-k3f9x": sortable by submission time, unique enough to never collide in practice. */
export function generateJobId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix = BigInt(`0x${randomBytes(4).toString('hex')}`)
    .toString(36)
    .padStart(5, '0')
    .slice(-5);
  return `${stamp}-${suffix}`;
}

/**
 * The spec with its job id settled: its own, else the one given (e.g. derived from an Idempotency-Key), else
 * new. Ids of the form `<name>-<yyyymmddhhmmss>` are those of scheduled jobs: refused here, so a job submitted
 * by hand never takes a firing's id (and its runs' ids).
 */
export function settleJobId(spec: JobSpec, jobId?: string): SubmittedJobSpec {
  const settled = spec.jobId ?? jobId ?? generateJobId();
  if (SCHEDULED_JOB_ID.test(settled)) {
    const problem = {
      path: 'jobId',
      message: `ids ending in "-" and 14 digits are those of scheduled jobs (<schedule>-<yyyymmddhhmmss>); choose another, e.g. "${settled.replace(/-(\d{14})$/, '-run$1')}"`,
    };
    throw new JobSpecError(`Invalid job spec:\n  ${problem.path}: ${problem.message}`, [problem]);
  }
  return { ...spec, jobId: settled };
}
