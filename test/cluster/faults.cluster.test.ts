/**
 * Faults of the production topology, each injected while jobs run (every container working and reporting), with
 * no job lost, no result wrong and no container group left:
 *
 *  1. one of the two worker processes is killed with SIGKILL: the other finishes its work;
 *  2. the Temporal server is killed with SIGKILL and started again (its state is all in PostgreSQL);
 *  3. PostgreSQL stops as in a crash (`pg_ctl stop -m immediate`) and starts again (crash recovery);
 *  4. the workers are upgraded to changed workflow code (guarded by `patched()`): a release-2 worker starts,
 *     the release-1 workers stop, and the runs they started finish on release 2 (replay-safe); a job submitted
 *     after the upgrade takes the new code path.
 *
 * Each scenario records its row of the tally before it asserts; the tally is printed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killProcess,
  killTemporal,
  launchWorker,
  restartPostgres,
  startCluster,
  startTemporal,
  stopProcess,
  waitForWorker,
  workerIdentity,
} from '../../dev/cluster/cluster';
import { workerNames, type ClusterState } from '../../dev/cluster/state';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/observability/workflow-bundle';
import { metricsSinks } from '../../src/observability/metrics-sinks';
import { ProjectMetrics } from '../../src/observability/metrics';
import { judge, succeeded, type ChaosJob, type ExpectedRun } from '../chaos/jobs';
import { waitFor } from '../helpers/wait';
import {
  ClusterTally,
  clusterState,
  connectTemporal,
  groupNames,
  groupsLeft,
  runIds,
  runProgress,
  sampleJob,
  TenantApi,
  workersOf,
} from './kit';
import { RELEASE, RELEASE_MEMO_KEY } from './upgrade/release';
import { WORKER_READY_LINE, WORKFLOW_BUNDLE_ENV } from '../chaos/worker-process';

/** Work that outlasts a fault and the recovery from it: 20 steps of a second, a report after each. */
const LONG_WORK = { WORK_STEPS: '20', STEP_MS: '1000' };
/** Longer for the upgrade: a release-2 worker starting (and bundling nothing: its bundle is prebuilt) takes seconds. */
const LONGER_WORK = { WORK_STEPS: '40', STEP_MS: '1000' };
/** A fault lands while every container is working: reported some progress, and far from done. */
const MAX_PERCENT_AT_FAULT = 60;
const SETTLE_MS = 180_000;

const tally = new ClusterTally();
let client: Client;

beforeAll(async () => {
  client = await connectTemporal(clusterState());
});
afterAll(async () => {
  console.log(tally.format());
  await client?.connection.close();
  // whatever a failed scenario left down comes back up, for the tests after these
  await startCluster(() => undefined);
});

function faultJobs(label: string, count = 2, work = LONG_WORK): ChaosJob[] {
  return Array.from({ length: count }, (_, jobIndex) => {
    const jobId = `${label}-${jobIndex}-${randomBytes(3).toString('hex')}`;
    const instances = [work, work];
    return {
      jobId,
      spec: sampleJob(jobId, instances),
      expected: instances.map((): ExpectedRun => succeeded()),
    };
  });
}

async function submit(api: TenantApi, jobs: readonly ChaosJob[]): Promise<void> {
  for (const job of jobs) {
    const { status, body } = await api.submit(job.spec);
    expect(status, JSON.stringify(body)).toBe(202);
  }
}

/** Until every run of the jobs works: its container runs and has reported, but is far from done. */
async function everyContainerWorking(jobs: readonly ChaosJob[]): Promise<void> {
  await waitFor(
    'every container to be working',
    async () => {
      const views = await Promise.all(jobs.flatMap(runIds).map((runId) => runProgress(client, runId)));
      return views.every(
        (view) =>
          view?.phase === 'Running' &&
          (view.percent ?? 0) > 0 &&
          (view.percent ?? 0) <= MAX_PERCENT_AT_FAULT &&
          view.attempt === 1,
      );
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}

/** Waits for every job, judges every run, looks for groups left, records the tally row, then asserts. */
async function conclude(
  scenario: string,
  state: ClusterState,
  jobs: readonly ChaosJob[],
  faults: string,
): Promise<void> {
  const api = new TenantApi(state);
  const settled = await Promise.all(jobs.map((job) => api.settle(job.jobId, SETTLE_MS)));
  const lost = settled.filter((outcome) => 'error' in outcome);
  const wrong = jobs.flatMap((job, index) => judge(job, settled[index]!));
  const left = await groupsLeft(state, jobs.flatMap(groupNames));
  tally.rows.push({
    scenario,
    jobs: jobs.length,
    runs: jobs.reduce((sum, job) => sum + job.expected.length, 0),
    faults,
    lost: lost.length,
    wrongResults: wrong.length,
    groupsLeft: left.length,
  });
  expect(lost, 'jobs without a result').toEqual([]);
  expect(wrong, 'runs whose result is wrong').toEqual([]);
  expect(left, 'container groups left behind').toEqual([]);
}

/** Identities of the workers that completed workflow tasks of these workflows after `since`. */
async function workflowTaskWorkersSince(workflowIds: readonly string[], since: number): Promise<Set<string>> {
  const identities = new Set<string>();
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const identity = event.workflowTaskCompletedEventAttributes?.identity;
      const at = Number(event.eventTime?.seconds ?? 0) * 1000;
      if (identity && at >= since) identities.add(identity);
    }
  }
  return identities;
}

/** The batch job and run workflow ids of the jobs. */
const workflowIdsOf = (jobs: readonly ChaosJob[]) => [
  ...jobs.map((job) => `cluster.${job.jobId}`),
  ...jobs.flatMap(runIds),
];

describe('faults of the cluster, mid-job', () => {
  it('a worker process killed with SIGKILL: the other worker finishes its work', async () => {
    let state = clusterState();
    const [victim, survivor] = workerNames() as [`worker-${string}`, `worker-${string}`];
    const victimIdentity = workerIdentity(state.processes[victim]!.pid);
    const survivorIdentity = workerIdentity(state.processes[survivor]!.pid);
    const jobs = faultJobs('kill-worker');
    await submit(new TenantApi(state), jobs);
    await everyContainerWorking(jobs);

    const killedAt = Date.now();
    state = await killProcess(state, victim);
    await conclude('worker SIGKILL', state, jobs, `SIGKILL ${victim} (pid ${victimIdentity.split('@')[0]})`);

    // the victim had taken part in these jobs, and everything after the kill was done by the survivor
    const before = new Set<string>();
    for (const workflowId of workflowIdsOf(jobs)) {
      for (const identity of await workersOf(client, workflowId)) before.add(identity);
    }
    expect([...before], 'workers that took part').toContain(victimIdentity);
    expect([...(await workflowTaskWorkersSince(workflowIdsOf(jobs), killedAt + 1000))]).toEqual([
      survivorIdentity,
    ]);

    launchWorker(state, victim);
    await waitForWorker(state, victim);
  });

  it('the Temporal server killed with SIGKILL and started again', async () => {
    let state = clusterState();
    const jobs = faultJobs('kill-server');
    await submit(new TenantApi(state), jobs);
    await everyContainerWorking(jobs);

    const outageMs = 3000;
    const serverPid = state.processes.temporal!.pid;
    state = await killTemporal(state);
    await sleep(outageMs);
    const restarted = Date.now();
    state = await startTemporal(state);
    const back = Math.round((Date.now() - restarted) / 1000);
    await conclude(
      'Temporal server SIGKILL + restart',
      state,
      jobs,
      `SIGKILL temporal-server (pid ${serverPid}), ${outageMs / 1000} s down, serving again ${back} s after its restart`,
    );
  });

  it('PostgreSQL stopped as in a crash and started again', async () => {
    const state = clusterState();
    const jobs = faultJobs('restart-postgres');
    await submit(new TenantApi(state), jobs);
    await everyContainerWorking(jobs);

    const downMs = 3000;
    await restartPostgres(state, 'immediate', downMs, () => undefined);
    await conclude(
      'PostgreSQL crash + restart',
      state,
      jobs,
      `pg_ctl stop -m immediate, ${downMs / 1000} s down, crash recovery at start`,
    );
  });

  describe('a rolling upgrade of the workers to changed workflow code', () => {
    let patchedBundle: string;
    let unpatchedBundle: string;
    const release2 = 'worker-release-2';

    beforeAll(async () => {
      [patchedBundle, unpatchedBundle] = await Promise.all([
        bundle('workflows-patched.ts'),
        bundle('workflows-unpatched.ts'),
      ]);
    });
    afterAll(async () => {
      // back to the cluster's own workers (release 1)
      let state = clusterState();
      state = await stopProcess(state, release2);
      for (const name of workerNames()) launchWorker(state, name);
      for (const name of workerNames()) await waitForWorker(state, name);
    });

    it('finishes the runs release 1 started on release 2 (replay-safe), and new runs take the change', async () => {
      let state = clusterState();
      const api = new TenantApi(state);
      const inFlight = faultJobs('upgrade', 2, LONGER_WORK);
      await submit(api, inFlight);
      await everyContainerWorking(inFlight);

      // roll: release 2 starts polling, then the release-1 workers shut down gracefully
      // the production worker's assembly with a prebuilt bundle: the chaos suite's worker process
      state = launchWorker(state, release2, {
        entry: join(__dirname, '..', 'chaos', 'worker-process.ts'),
        env: { [WORKFLOW_BUNDLE_ENV]: patchedBundle },
      });
      await waitForWorker(state, release2, { readyLine: WORKER_READY_LINE });
      const release2Identity = workerIdentity(state.processes[release2]!.pid);
      // from here on, the release-1 workers take no new task: SIGTERM stops their polling at once
      const rolledAt = Date.now();
      await Promise.all(workerNames().map((name) => stopProcess(state, name)));
      state = clusterState();

      // a job submitted after the upgrade runs on release 2 only
      const [after] = faultJobs('after-upgrade', 1);
      await submit(api, [after!]);

      const jobs = [...inFlight, after!];
      await conclude(
        'worker upgrade (patched)',
        state,
        jobs,
        `release 2 started, ${workerNames().length} release-1 workers stopped (SIGTERM) mid-job`,
      );

      // the in-flight runs: replayed and finished by release 2, without the change; the new ones with it
      const memoOf = async (runId: string) =>
        (await client.workflow.getHandle(runId).describe()).memo?.[RELEASE_MEMO_KEY];
      for (const runId of inFlight.flatMap(runIds)) expect(await memoOf(runId), runId).toBeUndefined();
      for (const runId of runIds(after!)) expect(await memoOf(runId), runId).toBe(RELEASE);
      expect([...(await workflowTaskWorkersSince(inFlight.flatMap(runIds), rolledAt + 1000))]).toEqual([
        release2Identity,
      ]);
      // no workflow task failed (a non-determinism error would fail the task and retry it)
      for (const workflowId of workflowIdsOf(jobs)) {
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        const failed = (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes);
        expect(failed, `${workflowId}: failed workflow tasks`).toEqual([]);
      }

      // replay every history: release 2 replays them all; the same change without patched() replays none
      const histories = await Promise.all(
        jobs.flatMap(runIds).map(async (workflowId) => ({
          workflowId,
          history: await client.workflow.getHandle(workflowId).fetchHistory(),
        })),
      );
      const replay = (codePath: string) =>
        Promise.all(
          histories.map(({ workflowId, history }) =>
            Worker.runReplayHistory(
              { workflowBundle: { codePath }, sinks: metricsSinks(new ProjectMetrics()) },
              history,
              workflowId,
            ).then(
              () => undefined,
              (error: unknown) => error,
            ),
          ),
        );
      expect(await replay(patchedBundle)).toEqual(histories.map(() => undefined));
      // (release 1's runs meet a command their histories lack; release 2's, a patch marker the code lacks)
      for (const error of await replay(unpatchedBundle)) {
        expect((error as Error | undefined)?.name).toBe('DeterminismViolationError');
      }
    });
  });
});

async function bundle(module: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(__dirname, 'upgrade', module),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'aci-batch-release-2-')), 'workflows.js');
  writeFileSync(path, code);
  return path;
}
