/** The job's policies as pure bookkeeping: when a job stops early, with which outcome and why. */
import { describe, expect, it } from 'vitest';
import { parseJobSpec, type JobSpecInput, type SubmittedJobSpec } from '../../src/shared/job-spec';
import type { RunStatus, RunSummary } from '../../src/shared/messages';
import { hasJobPolicy, JobPolicy } from '../../src/workflows/job-policy';

const spec = (overrides: Partial<JobSpecInput>) =>
  parseJobSpec({
    tenant: 'acme',
    jobId: 'j',
    image: 'job:1',
    instances: 10,
    ...overrides,
  }) as SubmittedJobSpec;

const run = (instanceIndex: number, status: RunStatus, extra: Partial<RunSummary> = {}): RunSummary => ({
  instanceIndex,
  status,
  attempts: 1,
  groupName: `g-${instanceIndex}`,
  keptGroup: false,
  startedAt: '2026-11-24T00:00:00Z',
  finishedAt: '2026-11-24T00:01:00Z',
  billedSeconds: 60,
  costUsd: 0,
  ...extra,
});

describe('job policies (pure)', () => {
  it('apply only to specs that have them', () => {
    expect(hasJobPolicy(spec({}))).toBe(false);
    // restart rules alone are the run's business
    expect(
      hasJobPolicy(spec({ failurePolicy: { rules: [{ action: 'RestartInstance', onReason: 'Evicted' }] } })),
    ).toBe(false);
    expect(
      hasJobPolicy(spec({ failurePolicy: { rules: [{ action: 'FailJob', onReason: 'Exited' }] } })),
    ).toBe(true);
    expect(hasJobPolicy(spec({ failurePolicy: { maxFailedInstances: 0 } }))).toBe(true);
    expect(hasJobPolicy(spec({ successPolicy: { succeededCount: 1 } }))).toBe(true);
  });

  it('tolerates maxFailedInstances failures and stops at the next; ignored failures and cancellations do not count', () => {
    const policy = new JobPolicy(spec({ failurePolicy: { maxFailedInstances: 2 } }), 10);
    expect(policy.note(run(0, 'Failed'))).toBeUndefined();
    expect(
      policy.note(run(1, 'Failed', { ignored: true, rule: { index: 0, action: 'Ignore' } })),
    ).toBeUndefined();
    expect(policy.note(run(2, 'Cancelled'))).toBeUndefined();
    expect(policy.note(run(3, 'TimedOut'))).toBeUndefined();
    expect(policy.note(run(4, 'Failed'))).toEqual({
      outcome: 'Failed',
      reason: '3 instances failed, more than failurePolicy.maxFailedInstances (2) tolerates',
    });
    // decided once
    expect(policy.note(run(5, 'Failed'))).toBeUndefined();
    expect(policy.stop?.outcome).toBe('Failed');
  });

  it('tolerates a percentage of the job', () => {
    const policy = new JobPolicy(spec({ failurePolicy: { maxFailedPercent: 20 } }), 10);
    expect(policy.note(run(0, 'Failed'))).toBeUndefined();
    expect(policy.note(run(1, 'Failed'))).toBeUndefined(); // 20%: tolerated
    expect(policy.note(run(2, 'Failed'))?.reason).toBe(
      '3 of 10 instances failed (30%), more than failurePolicy.maxFailedPercent (20%) tolerates',
    );
  });

  it('fails the job at once on a FailJob rule', () => {
    const policy = new JobPolicy(
      spec({ failurePolicy: { rules: [{ action: 'FailJob', onReason: 'Exited' }] } }),
      10,
    );
    expect(
      policy.note(run(6, 'Failed', { exitCode: 2, reason: 'Exited', rule: { index: 0, action: 'FailJob' } })),
    ).toEqual({
      outcome: 'Failed',
      reason: 'instance 6 failed with exit code 2 (Exited); failurePolicy.rules[0] says FailJob',
    });
  });

  it('completes the job once the success policy is met: chosen indexes, a count, or a count of them', () => {
    const indexes = new JobPolicy(spec({ successPolicy: { succeededIndexes: '1,3' } }), 10);
    expect(indexes.note(run(0, 'Succeeded'))).toBeUndefined();
    expect(indexes.note(run(3, 'Succeeded'))).toBeUndefined();
    expect(indexes.note(run(1, 'Succeeded'))).toEqual({
      outcome: 'Completed',
      reason: 'successPolicy met: instances 1,3 succeeded',
    });

    const count = new JobPolicy(spec({ successPolicy: { succeededCount: 2 } }), 10);
    expect(count.note(run(5, 'Failed'))).toBeUndefined();
    expect(count.note(run(4, 'Succeeded'))).toBeUndefined();
    expect(count.note(run(9, 'Succeeded'))?.reason).toBe('successPolicy met: 2 instances succeeded');

    const both = new JobPolicy(spec({ successPolicy: { succeededIndexes: '0-4', succeededCount: 2 } }), 10);
    expect(both.note(run(7, 'Succeeded'))).toBeUndefined();
    expect(both.note(run(2, 'Succeeded'))).toBeUndefined();
    expect(both.note(run(4, 'Succeeded'))?.reason).toBe('successPolicy met: 2 of instances 0-4 succeeded');
  });

  it('recounts what earlier runs of the workflow saw (continue-as-new)', () => {
    const carried = [run(0, 'Failed'), run(1, 'Failed')];
    const policy = new JobPolicy(spec({ failurePolicy: { maxFailedInstances: 2 } }), 10, carried);
    expect(policy.note(run(2, 'Failed'))?.outcome).toBe('Failed');
  });
});
