/**
 * Reruns: a new job with only the instances of a finished job that failed, timed out or were cancelled (never
 * started ones included), with their per-instance parameters and their original indexes, so each container
 * sees the same ACI_BATCH_INSTANCE_INDEX (and does the same shard) as before. Failures a rule said to Ignore
 * counted as done: they are not run again.
 */
import { parseJobSpec, type JobSpec } from '../shared/job-spec';
import type { JobSummary, RunStatus } from '../shared/messages';
import { runOutlines } from '../shared/run-records';

/** The run statuses a rerun runs again. */
export const RERUN_STATUSES: readonly RunStatus[] = ['Failed', 'TimedOut', 'Cancelled'];

/** The indexes of a finished job's instances that a rerun runs again, ascending (a paged summary's too). */
export function instancesToRerun(summary: JobSummary): number[] {
  return runOutlines(summary)
    .filter((run) => RERUN_STATUSES.includes(run.status) && !run.ignored)
    .map((run) => run.instanceIndex)
    .sort((a, b) => a - b);
}

/**
 * The rerun's spec: the original's, with only `indexes` (their parameters, when the original listed them, and
 * their indexes in instanceIndexes), naming the original in rerunOf. Its success policy (which names the
 * original's instances) and its dependencies (met once already) are left out; its job id is the caller's.
 */
export function rerunSpec(original: JobSpec, originalJobId: string, indexes: readonly number[]): JobSpec {
  const {
    jobId: _jobId,
    successPolicy: _successPolicy,
    dependsOn: _dependsOn,
    instanceIndexes,
    instances,
    ...common
  } = original;
  const positionOf = (index: number) => (instanceIndexes ? instanceIndexes.indexOf(index) : index);
  const rerunInstances =
    typeof instances === 'number'
      ? indexes.length
      : indexes.map((index) => instances[positionOf(index)] ?? {});
  return parseJobSpec({
    ...common,
    instances: rerunInstances,
    instanceIndexes: [...indexes],
    rerunOf: originalJobId,
  });
}

/** Job ids a rerun tries in turn: `<original>-rerun-<n>`, shortened to fit a job id's 40 characters. */
export function rerunJobId(originalJobId: string, attempt: number): string {
  const suffix = `-rerun-${attempt}`;
  return `${originalJobId.slice(0, 40 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** How many rerun job ids are tried before giving up (each one taken by an earlier rerun). */
export const MAX_RERUN_ATTEMPTS = 100;
