import { CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AciFailureType } from '../../src/shared/failures';
import { completionSignal, progressSignal, runProgressQuery } from '../../src/shared/messages';
import { containerRun } from '../../src/workflows';
import { LOG_TAIL_MAX_CHARS } from '../../src/workflows/history-limits';
import { anyNumber, stringMatching } from '../helpers/matchers';
import { waitFor } from '../helpers/wait';
import type { FakeAci } from './fake-aci';
import { connectTestServer, fakeAci, withWorker } from './harness';
import { containerRunInput } from './specs';

describe('containerRun (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  let aci: FakeAci | undefined;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());
  afterEach(() => {
    // whatever happened, nothing is left running (kept groups are stopped)
    expect(aci?.aliveGroups()).toEqual([]);
    aci = undefined;
  });

  const execute = (taskQueue: string, run: ReturnType<typeof containerRunInput>) =>
    env.client.workflow.execute(containerRun, {
      taskQueue,
      workflowId: run.workflowId,
      args: [run.input],
    });

  it('succeeds when the container reports Completed, then deletes the group', async () => {
    aci = fakeAci(env, {
      script: () => ({ kind: 'report', status: 'Completed', message: 'done', result: { rows: 42 } }),
    });
    const run = containerRunInput('ok', { cpu: 2, memoryGB: 4 });
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result).toMatchObject({
      status: 'Succeeded',
      message: 'done',
      result: { rows: 42 },
      attempts: 1,
      keptGroup: false,
      logTail: `log of ${result.groupName}\n`,
    });
    expect(aci.groups.size).toBe(0);
    expect(result.costUsd).toBeCloseTo((result.billedSeconds * (2 * 0.0405 + 4 * 0.00445)) / 3600, 6);
  });

  it('tells create who the run is and how it reports (callbacks win), and caps the log tail', async () => {
    aci = fakeAci(env, {
      script: () => ({ kind: 'report', status: 'Completed' }),
      logLines: () => 'x'.repeat(100_000),
    });
    const run = containerRunInput('env');
    run.input.settings = {
      callbackBaseUrl: 'https://api.example.com/',
      temporal: { address: 'temporal.example.com:7233', namespace: 'batch' },
    };
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result.logTail.length).toBe(LOG_TAIL_MAX_CHARS);
    const created = aci.createInputs[0]!;
    expect(created.run).toEqual({
      workflowId: run.workflowId,
      firstRunId: stringMatching(/^[0-9a-f-]{36}$/),
      jobId: run.input.spec.jobId,
      instanceIndex: 0,
    });
    expect(created.reporting).toEqual({
      kind: 'callback',
      baseUrl: 'https://api.example.com/',
      tokenExpiresAtMs: anyNumber(),
    });
    // the token outlives every attempt: time limit 1h, 2 restarts with backoff, plus provisioning
    const lifetimeMs =
      (created.reporting as { tokenExpiresAtMs: number }).tokenExpiresAtMs - Date.parse(result.startedAt);
    expect(lifetimeMs).toBeGreaterThan(3 * 3600_000);
  });

  it('restarts a failed container and succeeds on the next attempt', async () => {
    aci = fakeAci(env, {
      script: ({ attempt }) =>
        attempt === 1
          ? { kind: 'report', status: 'Failed', exitCode: 3, message: 'flaky' }
          : { kind: 'report', status: 'Completed', message: 'second time lucky' },
    });
    const run = containerRunInput('restart', {
      onFailure: { action: 'restart', maxRestarts: 2, backoff: '30s' },
    });
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result).toMatchObject({ status: 'Succeeded', attempts: 2, message: 'second time lucky' });
    expect(aci.restarts).toBe(1);
    expect(aci.groups.size).toBe(0);
  });

  it('stops a failed container and keeps it when onFailure is stop', async () => {
    aci = fakeAci(env, {
      script: () => ({ kind: 'report', status: 'Failed', exitCode: 2, message: 'bad input' }),
    });
    const run = containerRunInput('stop', { onFailure: { action: 'stop' } });
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result).toMatchObject({ status: 'Failed', exitCode: 2, attempts: 1, keptGroup: true });
    expect(aci.groups.get(result.groupName)?.state).toBe('Stopped');
    aci.groups.delete(result.groupName); // the user inspected it
  });

  it('gives up after maxRestarts and deletes the group', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'report', status: 'Failed', exitCode: 1 }) });
    const run = containerRunInput('exhausted', {
      onFailure: { action: 'restart', maxRestarts: 2, backoff: '1 minute', exhausted: 'delete' },
    });
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result).toMatchObject({ status: 'Failed', exitCode: 1, attempts: 3, keptGroup: false });
    expect(aci.restarts).toBe(2);
    expect(aci.groups.size).toBe(0);
  });

  it('times out after a 3-day limit, continuing as new on the way, and removes the group', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    // a tick every 10 minutes for 3 days writes more history than one run should hold
    const run = containerRunInput('timeout', { timeLimit: '3 days', monitorInterval: '10 minutes' });
    const { result, runs } = await withWorker(env, aci, async (queue) => {
      const handle = await env.client.workflow.start(containerRun, {
        taskQueue: queue,
        workflowId: run.workflowId,
        args: [run.input],
      });
      const result = await handle.result();
      const description = await handle.describe();
      return { result, runs: description.runId === handle.firstExecutionRunId ? 1 : 2 };
    });

    expect(result).toMatchObject({ status: 'TimedOut', attempts: 1, keptGroup: false });
    expect(result.logTail).not.toBe('');
    expect(result.billedSeconds).toBeGreaterThanOrEqual(3 * 24 * 3600);
    expect(runs).toBeGreaterThan(1);
    expect(aci.groups.size).toBe(0);
  });

  it('settles a container that exited without reporting from its exit code', async () => {
    aci = fakeAci(env, {
      script: ({ workflowId }) => ({ kind: 'exit', exitCode: workflowId.includes('crash') ? 137 : 0 }),
    });
    const crashed = containerRunInput('crash', { onFailure: { action: 'delete' } });
    const clean = containerRunInput('clean');
    // one at a time: the test server skips time only while one client waits on a result
    const [crash, ok] = await withWorker(env, aci, async (queue) => [
      await execute(queue, crashed),
      await execute(queue, clean),
    ]);

    expect(crash).toMatchObject({ status: 'Failed', exitCode: 137, attempts: 1 });
    expect(crash.message).toContain('exited with code 137 without reporting');
    expect(ok).toMatchObject({ status: 'Succeeded', exitCode: 0 });
    expect(aci.groups.size).toBe(0);
  });

  it('keeps an early report, ignores duplicates and reports about an earlier attempt', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const run = containerRunInput('signals', {
      onFailure: { action: 'restart', maxRestarts: 2, backoff: '0s' },
    });
    const result = await withWorker(env, aci, async (queue) => {
      // sent before the run even started: kept, and fails attempt 1
      const handle = await env.client.workflow.signalWithStart(containerRun, {
        taskQueue: queue,
        workflowId: run.workflowId,
        args: [run.input],
        signal: completionSignal,
        signalArgs: [{ status: 'Failed', exitCode: 9, reportId: 'r-1' }],
      });
      await waitFor('attempt 2 to run', async () => {
        const progress = await handle.query(runProgressQuery);
        return progress.phase === 'Running' && progress.attempt === 2;
      });
      await handle.signal(completionSignal, { status: 'Failed', exitCode: 9, reportId: 'r-1' });
      await handle.signal(completionSignal, {
        status: 'Failed',
        exitCode: 8,
        reportId: 'r-late',
        attempt: 1,
      });
      await handle.signal(completionSignal, {
        status: 'Completed',
        reportId: 'r-2',
        attempt: 2,
        message: 'ok',
      });
      await handle.signal(completionSignal, { status: 'Failed', reportId: 'r-2', attempt: 2 });
      return handle.result();
    });

    expect(result).toMatchObject({ status: 'Succeeded', attempts: 2, message: 'ok' });
    expect(aci.restarts).toBe(1);
  });

  it('calls the start URL, tracks progress, and ends on the report', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }), progressPercent: 40 });
    const run = containerRunInput('control', {
      ports: [8080],
      control: { port: 8080, startPath: '/start', progressPath: '/progress' },
      monitorInterval: '1s',
    });
    const result = await withWorker(env, aci, async (queue) => {
      const handle = await env.client.workflow.start(containerRun, {
        taskQueue: queue,
        workflowId: run.workflowId,
        args: [run.input],
      });
      await handle.signal(progressSignal, { percent: 10, message: 'loading' });
      await waitFor(
        'the signalled progress',
        async () => (await handle.query(runProgressQuery)).percent === 10,
      );
      // the monitor polls the progress endpoint every second (real time: nobody waits on the result yet)
      await waitFor('the polled progress', async () => (await handle.query(runProgressQuery)).percent === 40);
      await handle.signal(completionSignal, { status: 'Completed', reportId: 'done', attempt: 1 });
      return handle.result();
    });

    expect(result.status).toBe('Succeeded');
    expect(aci.startCalls).toEqual([
      {
        url: 'http://10.0.0.1:8080/start',
        runKey: `${run.workflowId}#1`,
        body: { runId: run.workflowId, attempt: 1 },
      },
    ]);
    expect(aci.groups.size).toBe(0);
  });

  it('fails without restarting when the group cannot be created', async () => {
    aci = fakeAci(env, {
      script: () => ({ kind: 'hang' }),
      createFailure: AciFailureType.imageInaccessible,
    });
    const run = containerRunInput('nocreate');
    const result = await withWorker(env, aci, (queue) => execute(queue, run));

    expect(result).toMatchObject({ status: 'Failed', attempts: 1, billedSeconds: 0, costUsd: 0 });
    expect(result.message).toContain('the image cannot be pulled');
    expect(aci.restarts).toBe(0);
  });

  it('cleans up when cancelled and ends Cancelled', async () => {
    aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
    const run = containerRunInput('cancel');
    const error = await withWorker(env, aci, async (queue) => {
      const handle = await env.client.workflow.start(containerRun, {
        taskQueue: queue,
        workflowId: run.workflowId,
        args: [run.input],
      });
      await waitFor(
        'the run to be running',
        async () => (await handle.query(runProgressQuery)).phase === 'Running',
      );
      expect(aci!.groups.size).toBe(1);
      await handle.cancel();
      return handle.result().catch((failure: unknown) => failure);
    });

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(aci.groups.size).toBe(0);
  });
});
