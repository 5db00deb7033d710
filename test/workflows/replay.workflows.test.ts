/**
 * Replay: histories recorded from real runs of the workflows (test/workflows/histories/*.json) are replayed
 * through the current workflow code, so a change that would break running workflows (non-determinism)
 * fails CI. When a change is meant to alter histories, guard it with `patched()`, and keep the histories recorded
 * before it (they prove that runs started before the change still replay); record the new scenarios' histories:
 *
 *   RECORD_HISTORIES=1 npx vitest run --project workflows test/workflows/replay.workflows.test.ts     # missing ones
 *   RECORD_HISTORIES=all npx vitest run --project workflows test/workflows/replay.workflows.test.ts   # every one
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionSignal, jobStatusQuery, runProgressQuery } from '../../src/shared/messages';
import { ledgerWorkflowId } from '../../src/shared/capacity';
import { jobWorkflowId } from '../../src/shared/names';
import { batchJob, containerRun } from '../../src/workflows';
import { workflowBundle } from '../helpers/temporal';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../helpers/wait';
import type { ContainerScript, FakeAci } from './fake-aci';
import { admittedAci, placement, startLedger } from './admitted-aci';
import { connectTestServer, fakeAci, withWorker } from './harness';
import { batchJobInput, containerRunInput, TENANT } from './specs';
import type { BatchJobInput } from '../../src/workflows/inputs';

const HISTORIES = join(__dirname, 'histories');
const History = temporal.api.history.v1.History;
/**
 * protobufjs' own JSON form (64-bit numbers and bytes as strings, enums by name). Not the SDK's historyToJSON:
 * with the two copies of protobufjs this install has, its proto3-JSON codec refuses the SDK's own types.
 */
const JSON_FORM = { longs: String, enums: String, bytes: String };
const RECORD = process.env.RECORD_HISTORIES === '1' || process.env.RECORD_HISTORIES === 'all';
const RECORD_ALL = process.env.RECORD_HISTORIES === 'all';

describe('workflow replay (recorded histories)', () => {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    if (RECORD) env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  it.runIf(RECORD)('records histories of representative runs', { timeout: 60_000 }, async () => {
    mkdirSync(HISTORIES, { recursive: true });
    for (const [name, scenario] of Object.entries(scenarios)) {
      const file = join(HISTORIES, `${name}.json`);
      if (!RECORD_ALL && existsSync(file)) continue;
      const workflowId = await scenario(env!);
      const history = await env!.client.workflow.getHandle(workflowId).fetchHistory();
      const json = JSON.stringify(History.toObject(History.fromObject(history), JSON_FORM));
      // formatted as `npm run lint` expects
      writeFileSync(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
    }
  });

  it('replays every recorded history with the current workflow code', async () => {
    const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const histories = files.map((file) => ({
      workflowId: file,
      history: History.fromObject(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')) as object),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});

/** Each scenario runs one workflow to its end and returns its id. */
type Scenario = (env: TestWorkflowEnvironment) => Promise<string>;

function runScript(
  env: TestWorkflowEnvironment,
  script: (attempt: number) => ContainerScript,
  options: { archive?: boolean } = {},
): FakeAci {
  return fakeAci(env, { script: ({ attempt }) => script(attempt), progressPercent: 50, ...options });
}

/** Runs a job to its end (started as the job client starts it) and returns its workflow id. */
async function runJob(
  env: TestWorkflowEnvironment,
  aci: FakeAci,
  input: BatchJobInput & { spec: { jobId: string } },
  during?: (workflowId: string) => Promise<void>,
): Promise<string> {
  const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
  await withWorker(env, aci, async (taskQueue) => {
    const handle = await env.client.workflow.start(batchJob, { taskQueue, workflowId, args: [input] });
    await during?.(workflowId);
    await handle.result();
  });
  return workflowId;
}

async function runContainer(
  env: TestWorkflowEnvironment,
  aci: FakeAci,
  run: ReturnType<typeof containerRunInput>,
  during?: (workflowId: string) => Promise<void>,
): Promise<string> {
  await withWorker(env, aci, async (taskQueue) => {
    const handle = await env.client.workflow.start(containerRun, {
      taskQueue,
      workflowId: run.workflowId,
      args: [run.input],
    });
    await during?.(run.workflowId);
    await handle.result().catch(() => undefined);
  });
  return run.workflowId;
}

const scenarios: Record<string, Scenario> = {
  'container-run-success': (env) =>
    runContainer(
      env,
      runScript(env, () => ({ kind: 'report', status: 'Completed', result: { rows: 1 } })),
      containerRunInput('replay-ok'),
    ),
  'container-run-restart': (env) =>
    runContainer(
      env,
      runScript(env, (attempt) =>
        attempt === 1 ? { kind: 'report', status: 'Failed', exitCode: 1 } : { kind: 'exit', exitCode: 0 },
      ),
      containerRunInput('replay-restart', {
        onFailure: { action: 'restart', maxRestarts: 1, backoff: '10s' },
      }),
    ),
  // recorded with the log archive and outputs (STORAGE_PATCH): ticks that read the log, a restart, a delete
  'container-run-archive-restart': (env) =>
    runContainer(
      env,
      runScript(
        env,
        (attempt) =>
          attempt === 1 ? { kind: 'report', status: 'Failed', exitCode: 1 } : { kind: 'exit', exitCode: 0 },
        { archive: true },
      ),
      containerRunInput('replay-archive', {
        monitorInterval: '10s',
        onFailure: { action: 'restart', maxRestarts: 1, backoff: '10s' },
      }),
    ),
  'container-run-archive-cancelled': (env) =>
    runContainer(
      env,
      runScript(env, () => ({ kind: 'hang' }), { archive: true }),
      containerRunInput('replay-archive-cancel', { monitorInterval: '1s' }),
      async (id) => {
        const handle = env.client.workflow.getHandle(id);
        await waitFor(
          'the run to be running',
          async () => (await handle.query(runProgressQuery)).phase === 'Running',
        );
        await sleep(2500); // a few monitor ticks, with their archive reads
        await handle.cancel();
      },
    ),
  'container-run-control-timeout': (env) =>
    runContainer(
      env,
      runScript(env, () => ({ kind: 'hang' })),
      containerRunInput('replay-timeout', {
        ports: [8080],
        control: { port: 8080, progressPath: '/progress' },
        timeLimit: '1h',
        monitorInterval: '10 minutes',
      }),
    ),
  'container-run-cancelled': (env) =>
    runContainer(
      env,
      runScript(env, () => ({ kind: 'hang' })),
      containerRunInput('replay-cancel'),
      async (id) => {
        const handle = env.client.workflow.getHandle(id);
        await waitFor(
          'the run to be running',
          async () => (await handle.query(runProgressQuery)).phase === 'Running',
        );
        await handle.signal(completionSignal, { status: 'Failed', reportId: 'early', attempt: 2 });
        await handle.cancel();
      },
    ),
  'batch-job': async (env) => {
    const aci = runScript(env, () => ({ kind: 'report', status: 'Completed' }));
    const input = batchJobInput('replay-job', { instances: 3, maxParallel: 2 });
    const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
    await withWorker(env, aci, (taskQueue) =>
      env.client.workflow.execute(batchJob, { taskQueue, workflowId, args: [input] }),
    );
    return workflowId;
  },
  // recorded with the code before the recreate-vanished-group patch: a restart that finds the group gone fails
  'container-run-vanished-unpatched': (env) =>
    runContainer(
      env,
      runScript(env, () => ({ kind: 'vanish' })),
      containerRunInput('replay-vanished', {
        onFailure: { action: 'restart', maxRestarts: 1, backoff: '10s' },
      }),
    ),
  'container-run-recreate': (env) =>
    runContainer(
      env,
      runScript(env, (attempt) =>
        attempt === 1 ? { kind: 'vanish' } : { kind: 'report', status: 'Completed' },
      ),
      containerRunInput('replay-recreate', {
        onFailure: { action: 'delete' },
        failurePolicy: { rules: [{ action: 'RestartInstance', onReason: 'Evicted' }] },
      }),
    ),
  'batch-job-failure-policy': async (env) => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const aci = fakeAci(env, {
      script: ({ instanceIndex }) =>
        instanceIndex === 1 ? { kind: 'report', status: 'Failed', exitCode: 2 } : { kind: 'hang' },
      holdScripts: held,
    });
    const input = batchJobInput('replay-job-policy', {
      instances: 4,
      maxParallel: 3,
      failurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } }] },
    });
    return runJob(env, aci, input, async () => {
      await waitFor('the first 3 container groups', () => aci.groups.size === 3);
      release();
    });
  },
  'batch-job-dependency': async (env) => {
    const aci = runScript(env, () => ({ kind: 'report', status: 'Completed' }));
    const first = batchJobInput('replay-job-first', { instances: 1 });
    const input = batchJobInput('replay-job-after', {
      instances: 2,
      dependsOn: { jobs: [first.spec.jobId] },
    });
    const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
    await withWorker(env, aci, async (taskQueue) => {
      const start = (job: typeof input) =>
        env.client.workflow.start(batchJob, {
          taskQueue,
          workflowId: jobWorkflowId(TENANT, job.spec.jobId),
          args: [job],
        });
      const firstHandle = await start(first);
      const handle = await start(input);
      await waitFor(
        'the job to wait',
        async () => (await handle.query(jobStatusQuery)).state === 'Waiting' || undefined,
      );
      await firstHandle.result();
      await handle.result();
    });
    return workflowId;
  },
  // recorded with the paged-job-summary patch: a job whose summary is paged (its limit lowered from 1,000 to 0)
  'batch-job-paged': async (env) => {
    const aci = runScript(env, (attempt) =>
      attempt === 1
        ? { kind: 'report', status: 'Failed', exitCode: 1 }
        : { kind: 'report', status: 'Completed' },
    );
    const input = {
      ...batchJobInput('replay-job-paged', { instances: 3, maxParallel: 2 }),
      summaryRowsMax: 0,
    };
    return runJob(env, aci, input);
  },
  // a paged job's later run: continued as new with the first two instances' records
  'batch-job-paged-continued': async (env) => {
    const aci = runScript(env, () => ({ kind: 'report', status: 'Completed' }));
    const job = batchJobInput('replay-job-continued', { instances: 4, maxParallel: 2 });
    const input: BatchJobInput & { spec: { jobId: string } } = {
      ...job,
      summaryRowsMax: 0,
      carried: {
        startedAtMs: Date.parse('2026-11-24T00:00:00Z'),
        nextIndex: 2,
        records: [
          [0, 'Succeeded', 0, 30, 0.000393, 0],
          [1, 'Failed', 2, 45, 0.00059, 0],
        ],
        paged: true,
      },
    };
    return runJob(env, aci, input);
  },
  'batch-job-cancelled': async (env) => {
    const aci = runScript(env, () => ({ kind: 'hang' }));
    const input = batchJobInput('replay-job-cancel', { instances: 4, maxParallel: 2 });
    const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
    await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, { taskQueue, workflowId, args: [input] });
      await waitFor('the first 2 container groups', () => aci.groups.size === 2);
      await handle.cancel();
      await handle.result();
    });
    return workflowId;
  },
  // recorded before leases carried their delete (DELETE_CREDIT_PATCH): the run asks the ledger for a token
  'container-run-admitted': async (env) => (await admittedRun(env)).runId,
  'capacity-ledger': async (env) => (await admittedRun(env)).ledgerId,
};

let admitted: Promise<{ runId: string; ledgerId: string }> | undefined;
/** One run admitted by its own ledger, to its end; the ledger is then stopped. Run once for both histories. */
function admittedRun(env: TestWorkflowEnvironment): Promise<{ runId: string; ledgerId: string }> {
  admitted ??= (async () => {
    const { aci, setQueue } = admittedAci(
      env,
      { limits: {} },
      { script: () => ({ kind: 'report', status: 'Completed' }) },
    );
    const run = containerRunInput('replay-admitted');
    let ledgerId = '';
    await withWorker(env, aci, async (taskQueue) => {
      setQueue(taskQueue);
      await startLedger(env, taskQueue);
      ledgerId = ledgerWorkflowId(taskQueue);
      await env.client.workflow.execute(containerRun, {
        taskQueue,
        workflowId: run.workflowId,
        args: [{ ...run.input, capacity: placement(taskQueue) }],
      });
      await env.client.workflow.getHandle(ledgerId).terminate('recorded');
    });
    return { runId: run.workflowId, ledgerId };
  })();
  return admitted;
}
