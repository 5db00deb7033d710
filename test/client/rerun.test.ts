/** Which instances a rerun runs again, with which parameters and indexes, under which job id. */
import { describe, expect, it } from 'vitest';
import { instancesToRerun, rerunJobId, rerunSpec } from '../../src/client/rerun';
import { jobIdSchema, parseJobSpec, specForInstance, type SubmittedJobSpec } from '../../src/shared/job-spec';
import type { JobSummary, RunStatus } from '../../src/shared/messages';
import { compactRun } from '../../src/shared/run-records';

function summaryOf(statuses: Array<RunStatus | 'Ignored'>): JobSummary {
  return {
    tenant: 'acme',
    jobId: 'nightly',
    outcome: 'PartiallyFailed',
    total: statuses.length,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    cancelled: 0,
    startedAt: '',
    finishedAt: '',
    billedSeconds: 0,
    costUsd: 0,
    runs: statuses.map((status, instanceIndex) => ({
      instanceIndex,
      status: status === 'Ignored' ? 'Failed' : status,
      ...(status === 'Ignored' && { ignored: true }),
      attempts: 1,
      groupName: '',
      keptGroup: false,
      startedAt: '',
      finishedAt: '',
      billedSeconds: 0,
      costUsd: 0,
    })),
  };
}

describe('reruns (pure)', () => {
  it('run again the failed, timed-out and cancelled instances, not the succeeded or ignored ones', () => {
    expect(
      instancesToRerun(summaryOf(['Succeeded', 'Failed', 'TimedOut', 'Ignored', 'Cancelled', 'Succeeded'])),
    ).toEqual([1, 2, 4]);
  });

  it('read a paged summary (more than 1,000 instances) from its compact records', () => {
    const listed = summaryOf(['Succeeded', 'Failed', 'TimedOut', 'Ignored', 'Cancelled', 'Succeeded']);
    const paged: JobSummary = {
      ...listed,
      runs: [],
      runsPaged: true,
      runRecords: listed.runs.map((run) => compactRun(run, 'result')).reverse(),
    };
    expect(instancesToRerun(paged)).toEqual([1, 2, 4]);
  });

  it('keep the original indexes and per-instance parameters, and name the original', () => {
    const original = parseJobSpec({
      tenant: 'acme',
      jobId: 'nightly',
      image: 'job:1',
      instances: [{ env: { SHARD: 'a' } }, { env: { SHARD: 'b' } }, { env: { SHARD: 'c' } }],
      successPolicy: { succeededIndexes: '0' },
      dependsOn: { jobs: ['extract'] },
      failurePolicy: { maxFailedInstances: 1 },
    });
    const spec = rerunSpec(original, 'nightly', [0, 2]);
    expect(spec).toMatchObject({
      instanceIndexes: [0, 2],
      rerunOf: 'nightly',
      failurePolicy: { maxFailedInstances: 1 },
    });
    expect(spec).not.toHaveProperty('jobId');
    expect(spec).not.toHaveProperty('successPolicy');
    expect(spec).not.toHaveProperty('dependsOn');
    const submitted = { ...spec, jobId: 'nightly-rerun-1' } as SubmittedJobSpec;
    expect(specForInstance(submitted, 1).env).toEqual({ SHARD: 'c' });

    // a rerun of a rerun keeps the first job's indexes, and its parameters by position
    const again = rerunSpec(submitted, 'nightly-rerun-1', [2]);
    expect(again).toMatchObject({
      instances: [{ env: { SHARD: 'c' } }],
      instanceIndexes: [2],
      rerunOf: 'nightly-rerun-1',
    });

    const counted = rerunSpec(
      parseJobSpec({ tenant: 'acme', image: 'job:1', instances: 100 }),
      'big',
      [3, 97],
    );
    expect(counted).toMatchObject({ instances: 2, instanceIndexes: [3, 97] });
  });

  it('name reruns <original>-rerun-<n>, shortened to fit a job id', () => {
    expect(rerunJobId('nightly', 2)).toBe('nightly-rerun-2');
    const long = rerunJobId(`${'a'.repeat(30)}-${'b'.repeat(9)}`, 12);
    expect(long).toBe(`${'a'.repeat(30)}-rerun-12`);
    expect(jobIdSchema.safeParse(long).success).toBe(true);
    expect(jobIdSchema.safeParse(rerunJobId(`${'a'.repeat(31)}-${'b'.repeat(8)}`, 1)).success).toBe(true);
  });
});
