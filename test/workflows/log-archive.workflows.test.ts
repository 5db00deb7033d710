/**
 * The run's side of the log archive, with mocked activities: every monitor tick reads the log while the
 * container works, every attempt's archive is closed (last read, seal) before its group is restarted, stopped
 * or deleted, on every path (success, failure, restart, time-out, cancellation), and the result says where each
 * attempt's log is, whether it is complete, and lists the outputs. A worker without storage keeps the old way.
 */
import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgressQuery } from '../../src/shared/messages';
import { containerRun } from '../../src/workflows';
import { objectContaining, stringMatching } from '../helpers/matchers';
import { waitFor } from '../helpers/wait';
import { connectTestServer, fakeAci, withWorker } from './harness';
import { containerRunInput } from './specs';

describe('containerRun: the log archive and outputs (mocked activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  it('archives while the container works, closes attempt 1 before the restart and attempt 2 before the delete', async () => {
    const aci = fakeAci(env, {
      archive: true,
      // the monitor sees each attempt's exit after a few ticks: reports come late
      script: ({ attempt }) =>
        attempt === 1 ? { kind: 'exit', exitCode: 3 } : { kind: 'exit', exitCode: 0 },
    });
    const run = containerRunInput('archive-restart', {
      monitorInterval: '10s',
      onFailure: { action: 'restart', maxRestarts: 1, backoff: '5s' },
    });
    const result = await withWorker(env, aci, (taskQueue) =>
      env.client.workflow.execute(containerRun, { taskQueue, workflowId: run.workflowId, args: [run.input] }),
    );
    expect(result).toMatchObject({ status: 'Succeeded', attempts: 2, logTail: 'tail of attempt 2\n' });
    expect(aci.events).toEqual(['create', 'archive-final#1', 'restart', 'archive-final#2', 'delete']);
    // every close is of the attempt whose container the group holds
    for (const call of aci.archiveCalls) expect(call.groupAttempt).toBe(call.attempt);
    const blob = (attempt: number) =>
      stringMatching(new RegExp(`^acme/${run.input.spec.jobId}/0/[0-9a-f-]{36}/attempt-${attempt}\\.log$`));
    expect(result.logArchive).toEqual({
      container: 'aci-batch-logs',
      attempts: [
        { attempt: 1, blob: blob(1), lines: 10, bytes: 400, complete: true },
        { attempt: 2, blob: blob(2), lines: 10, bytes: 400, complete: true },
      ],
      complete: true,
    });
    expect(result.outputs).toEqual({
      container: 'aci-batch-outputs',
      files: [{ name: 'result.json', size: 12, contentMd5: 'bWQ1' }],
      count: 1,
      bytes: 12,
    });
  });

  it('reads on every monitor tick while the container works, and closes before deleting on a time-out', async () => {
    const aci = fakeAci(env, { archive: true, script: () => ({ kind: 'hang' }) });
    const run = containerRunInput('archive-timeout', { monitorInterval: '1m', timeLimit: '5m' });
    const result = await withWorker(env, aci, (taskQueue) =>
      env.client.workflow.execute(containerRun, { taskQueue, workflowId: run.workflowId, args: [run.input] }),
    );
    expect(result.status).toBe('TimedOut');
    const ticks = aci.events.filter((event) => event === 'archive#1').length;
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(aci.events.slice(-2)).toEqual(['archive-final#1', 'delete']);
    expect(result.logArchive?.attempts).toEqual([
      objectContaining({ attempt: 1, lines: (ticks + 1) * 10, complete: true }),
    ]);
  });

  it('closes the archive of a cancelled run before its group goes', async () => {
    const aci = fakeAci(env, { archive: true, script: () => ({ kind: 'hang' }) });
    const run = containerRunInput('archive-cancel');
    await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(containerRun, {
        taskQueue,
        workflowId: run.workflowId,
        args: [run.input],
      });
      await waitFor(
        'the run to be running',
        async () => (await handle.query(runProgressQuery)).phase === 'Running',
      );
      await handle.cancel();
      const error: unknown = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    });
    expect(aci.events).toEqual(['create', 'archive-final#1', 'delete']);
  });

  it('says when the group was gone before its last lines could be read', async () => {
    const aci = fakeAci(env, { archive: true, script: () => ({ kind: 'hang' }) });
    // no restart: a restart that finds its group gone would make it again (recreate-vanished-group)
    const run = containerRunInput('archive-gone', { monitorInterval: '1m', onFailure: { action: 'delete' } });
    const result = await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(containerRun, {
        taskQueue,
        workflowId: run.workflowId,
        args: [run.input],
      });
      await waitFor('the group', () => aci.groups.size === 1);
      aci.groups.clear(); // deleted from outside
      return handle.result();
    });
    expect(result.status).toBe('Failed');
    expect(result.logArchive).toMatchObject({
      complete: false,
      attempts: [{ attempt: 1, complete: false, problem: stringMatching(/gone/) }],
    });
  });

  it.each([
    ['the last archive read brings the tail (no second read)', false, 0],
    ['a last read without a tail (an older worker, a failed read): the run reads it', true, 1],
  ])('without storage, keeps only the log tail, as before: %s', async (_, noTailWithoutArchive, logReads) => {
    const aci = fakeAci(env, {
      script: () => ({ kind: 'report', status: 'Completed' }),
      noTailWithoutArchive,
    });
    const run = containerRunInput(`no-storage-${logReads}`);
    const result = await withWorker(env, aci, (taskQueue) =>
      env.client.workflow.execute(containerRun, { taskQueue, workflowId: run.workflowId, args: [run.input] }),
    );
    expect(result.logTail).toBe(`log of ${result.groupName}\n`);
    expect(result.logArchive).toBeUndefined();
    expect(result.outputs).toBeUndefined();
    expect(aci.logReads).toHaveLength(logReads);
  });
});
