/**
 * The job's book as pure bookkeeping (src/workflows/job-tracker.ts) and the compact record of its runs
 * (src/shared/run-records.ts): a job above SUMMARY_ROWS_MAX instances carries and returns one small record per
 * instance, from which its counts, cost, status and the rows of instances that never returned are told.
 */
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { parseJobSpec, type JobSpecInput, type SubmittedJobSpec } from '../../src/shared/job-spec';
import type { RunResult, RunStatus, RunSummary } from '../../src/shared/messages';
import { containerGroupName } from '../../src/shared/names';
import {
  compactRun,
  readRecord,
  rowFromRecord,
  runOutlines,
  SUMMARY_ROWS_BYTES,
  SUMMARY_ROWS_MAX,
  utf8Length,
  type CompactRun,
} from '../../src/shared/run-records';
import { JobPolicy } from '../../src/workflows/job-policy';
import { JobTracker } from '../../src/workflows/job-tracker';

/** Temporal refuses a payload above this ("Blob data size exceeds limit"). */
const BLOB_LIMIT = 2 * 1024 * 1024;
const LONG = 'x'.repeat(1000);

const spec = (overrides: Partial<JobSpecInput> = {}) =>
  parseJobSpec({
    tenant: 'acme',
    jobId: 'big-job',
    image: 'job:1',
    instances: 10,
    ...overrides,
  }) as SubmittedJobSpec;

function result(spec: SubmittedJobSpec, index: number, overrides: Partial<RunResult> = {}): RunResult {
  return {
    instanceIndex: index,
    status: 'Failed',
    exitCode: 1,
    message: LONG,
    attempts: 1,
    groupName: containerGroupName(spec.tenant, spec.jobId, index),
    keptGroup: false,
    startedAt: '2026-11-24T00:00:00.000Z',
    finishedAt: '2026-11-24T00:01:00.000Z',
    billedSeconds: 60,
    costUsd: 0.000786,
    logTail: 'the end of the log\n'.repeat(200),
    reason: 'Reported',
    ...overrides,
  };
}

const size = (value: unknown) => utf8Length(JSON.stringify(value));

describe('the compact record of a run', () => {
  it('keeps what counts, cost, status and reruns need, in about 35 bytes', () => {
    const run: RunSummary = {
      instanceIndex: 9999,
      status: 'Failed',
      exitCode: 137,
      message: LONG,
      attempts: 3,
      groupName: 'acme-big-job-1x2y3z-9999',
      keptGroup: false,
      startedAt: '2026-11-24T00:00:00.000Z',
      finishedAt: '2026-11-24T00:01:00.000Z',
      billedSeconds: 61,
      costUsd: 0.000799,
      ignored: true,
    };
    const record = compactRun(run, 'result');
    expect(record).toEqual([9999, 'Failed', 137, 61, 0.000799, 1]);
    expect(size(record)).toBeLessThan(40);
    expect(readRecord(record)).toEqual({
      instanceIndex: 9999,
      status: 'Failed',
      exitCode: 137,
      ignored: true,
      billedSeconds: 61,
      costUsd: 0.000799,
      source: 'result',
      stopped: false,
    });
    // Spot seconds and evictions only where there are some; no exit code is null
    const spot = compactRun(
      { ...run, exitCode: undefined, ignored: undefined, spotSeconds: 40, evictions: 1 },
      'result',
    );
    expect(spot).toEqual([9999, 'Failed', null, 61, 0.000799, 0, { spotSeconds: 40, evictions: 1 }]);
    expect(readRecord(spot)).not.toHaveProperty('exitCode');
  });

  it('tells the row of an instance that never returned exactly as the job wrote it', () => {
    const context = {
      groupName: 'acme-big-job-1x2y3z-4',
      finishedAt: '2026-11-24T01:00:00.000Z',
      reason: '3 instances failed, more than failurePolicy.maxFailedInstances (2) tolerates',
    };
    const neverStarted: RunSummary = {
      instanceIndex: 4,
      status: 'Cancelled',
      message: `never started: ${context.reason}`,
      attempts: 0,
      groupName: context.groupName,
      keptGroup: false,
      startedAt: context.finishedAt,
      finishedAt: context.finishedAt,
      billedSeconds: 0,
      costUsd: 0,
    };
    expect(rowFromRecord(compactRun(neverStarted, 'never-started', true), context)).toEqual(neverStarted);
    const plain = { ...neverStarted, message: 'never started' };
    expect(rowFromRecord(compactRun(plain, 'never-started'), context)).toEqual(plain);

    const cancelled: RunSummary = {
      ...neverStarted,
      message: `cancelled: ${context.reason}; billing estimated from the run's duration`,
      startedAt: '2026-11-24T00:10:00.000Z',
      finishedAt: '2026-11-24T00:12:30.000Z',
      billedSeconds: 150,
      costUsd: 0.001965,
    };
    expect(rowFromRecord(compactRun(cancelled, 'cancelled', true), context)).toEqual(cancelled);

    const failed: RunSummary = {
      ...cancelled,
      status: 'Failed',
      message: "Terminated by an operator; billing estimated from the run's duration",
    };
    expect(
      rowFromRecord(compactRun(failed, 'failed'), { ...context, failure: 'Terminated by an operator' }),
    ).toEqual(failed);
  });

  it('outlines a summary from its rows or, when paged, from its records', () => {
    const rows = [1, 0].map((index) => ({
      ...result(spec(), index),
      logTail: undefined,
    })) as RunSummary[];
    const listed = { runs: rows };
    const paged = {
      runs: [],
      runsPaged: true as const,
      runRecords: rows.map((row) => compactRun(row, 'result')),
    };
    const want = [0, 1].map((index) => ({
      instanceIndex: index,
      status: 'Failed',
      exitCode: 1,
      billedSeconds: 60,
      costUsd: 0.000786,
    }));
    expect(runOutlines(paged)).toEqual(want);
    expect(runOutlines(listed).map((run) => run.instanceIndex)).toEqual([0, 1]);
    expect(runOutlines(listed)[0]).toMatchObject(want[0]!);
  });

  it('measures UTF-8 as the server does', () => {
    for (const text of ['plain', 'é', '€', '😀', '日本語のメッセージ', 'a\uD800']) {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    }
  });
});

describe('the job tracker', () => {
  it('pages the summary of 10,000 instances with 1,000-character messages: far below 2 MB', () => {
    const job = spec({ instances: 10_000 });
    const tracker = new JobTracker(job, 10_000, undefined, undefined, { paging: true });
    expect(tracker.listsRows).toBe(false);
    for (let index = 0; index < 10_000; index++) {
      tracker.recordStart(index);
      tracker.recordResult(result(job, index, index % 2 ? {} : { status: 'Succeeded', exitCode: 0 }));
    }
    const carried = tracker.carry(10_000);
    expect(carried.runs).toBeUndefined();
    expect(carried.records).toHaveLength(10_000);
    expect(size(carried)).toBeLessThan(BLOB_LIMIT / 4);

    const summary = tracker.summary(false);
    expect(size(summary)).toBeLessThan(BLOB_LIMIT / 4);
    expect(summary).toMatchObject({
      outcome: 'PartiallyFailed',
      total: 10_000,
      succeeded: 5000,
      failed: 5000,
      billedSeconds: 600_000,
      costUsd: 7.86,
      runs: [],
      runsPaged: true,
    });
    expect(summary.runRecords).toHaveLength(10_000);
    expect(summary.runRecords![3]).toEqual([3, 'Failed', 1, 60, 0.000786, 0]);
  });

  it('lists the rows of up to SUMMARY_ROWS_MAX instances, as before, within the payload limit', () => {
    const job = spec({ instances: SUMMARY_ROWS_MAX });
    const tracker = new JobTracker(job, SUMMARY_ROWS_MAX, undefined, undefined, { paging: true });
    for (let index = 0; index < SUMMARY_ROWS_MAX; index++) tracker.recordResult(result(job, index));
    const summary = tracker.summary(false);
    expect(summary.runsPaged).toBeUndefined();
    expect(summary.runRecords).toBeUndefined();
    expect(summary.runs).toHaveLength(SUMMARY_ROWS_MAX);
    expect(summary.runs[0]).not.toHaveProperty('logTail');
    expect(summary.runs[0]!.message).toBe(LONG);
    expect(size(summary)).toBeLessThan(BLOB_LIMIT);
    expect(size(tracker.carry(SUMMARY_ROWS_MAX))).toBeLessThan(BLOB_LIMIT);
  });

  it('pages a smaller job whose rows pass SUMMARY_ROWS_BYTES (messages outside ASCII)', () => {
    const job = spec({ instances: SUMMARY_ROWS_MAX });
    const tracker = new JobTracker(job, SUMMARY_ROWS_MAX, undefined, undefined, { paging: true });
    const wide = '失敗'.repeat(500); // 1,000 characters, 3,000 bytes
    for (let index = 0; index < SUMMARY_ROWS_MAX; index++) {
      tracker.recordResult(result(job, index, { message: wide }));
    }
    expect(SUMMARY_ROWS_MAX * 3000).toBeGreaterThan(SUMMARY_ROWS_BYTES);
    expect(tracker.listsRows).toBe(false);
    const summary = tracker.summary(false);
    expect(summary.runsPaged).toBe(true);
    expect(size(summary)).toBeLessThan(BLOB_LIMIT / 8);
  });

  it('keeps every row, and no byte count, for a job started before the patch', () => {
    const job = spec({ instances: 2000 });
    const tracker = new JobTracker(job, 2000, undefined, undefined, { paging: false });
    for (let index = 0; index < 2000; index++) tracker.recordResult(result(job, index, { message: 'm' }));
    const summary = tracker.summary(false);
    expect(summary.runs).toHaveLength(2000);
    expect(summary.runsPaged).toBeUndefined();
    expect(tracker.carry(2000)).not.toHaveProperty('records');
  });

  it('carries its records across continue-as-new: counts, policies and status go on from them', () => {
    const job = spec({ instances: 3000, failurePolicy: { maxFailedInstances: 1500 } });
    const first = new JobTracker(job, 3000, undefined, undefined, { paging: true });
    for (let index = 0; index < 1200; index++) {
      first.recordStart(index);
      first.recordResult(result(job, index, { ignored: index === 7 || undefined }));
    }
    first.recordStart(1200);
    first.recordFailure(1200, new Error('boom'));
    const carried = JSON.parse(JSON.stringify(first.carry(1201))) as ReturnType<typeof first.carry>;

    const next = new JobTracker(job, 3000, undefined, carried, { paging: true });
    const policy = new JobPolicy(job, 3000, next.finishedRuns());
    // 1,200 failed, one of them ignored, and the failed child: 1,200 count as failed
    const note = (status: RunStatus) => policy.note({ ...result(job, 1201), status, ignored: undefined });
    for (let i = 0; i < 300; i++) expect(note('Failed')).toBeUndefined();
    expect(note('Failed')?.reason).toMatch(/^1501 instances failed/);

    const status = next.status('Running');
    expect(status.counts).toMatchObject({ Failed: 1201, pending: 1799, running: 0 });
    expect(status.instances[0]).toEqual({ index: 0, phase: 'Failed', exitCode: 1 });
    expect(status.instances[1200]).toEqual({ index: 1200, phase: 'Failed', exitCode: undefined });

    next.cancelUnstarted('a reason');
    const summary = next.summary(false, { outcome: 'Failed', reason: 'a reason' });
    expect(summary).toMatchObject({ failed: 1200, ignored: 1, cancelled: 1799, runsPaged: true });
    const records = summary.runRecords!;
    const failedChild = readRecord(records[1200]!);
    expect(failedChild).toMatchObject({ source: 'failed', status: 'Failed', billedSeconds: 0 });
    expect(readRecord(records[2999]!)).toMatchObject({ source: 'never-started', stopped: true });
    const row = rowFromRecord(records[2999] as CompactRun, {
      groupName: containerGroupName(job.tenant, job.jobId, 2999),
      finishedAt: summary.finishedAt,
      reason: summary.reason,
    });
    expect(row).toMatchObject({ status: 'Cancelled', message: 'never started: a reason', attempts: 0 });
  });

  it('reads the rows a job carried before the patch into records (an old run continued as new)', () => {
    const job = spec({ instances: 1500 });
    const old = new JobTracker(job, 1500, undefined, undefined, { paging: false });
    for (let index = 0; index < 1000; index++) old.recordResult(result(job, index));
    old.recordStart(1000);
    old.recordFailure(1000, new CancelledFailure('cancelled'));
    const carried = old.carry(1001);
    expect(carried.runs).toHaveLength(1001);

    const next = new JobTracker(job, 1500, undefined, carried, { paging: true });
    expect(next.listsRows).toBe(false); // 1,500 instances: paged from here on
    const summary = next.summary(true);
    expect(summary.runRecords).toHaveLength(1001);
    expect(readRecord(summary.runRecords![1000]!)).toMatchObject({
      source: 'cancelled',
      status: 'Cancelled',
    });
    expect(readRecord(summary.runRecords![0]!)).toMatchObject({ source: 'result', status: 'Failed' });
  });
});
