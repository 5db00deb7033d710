/**
 * Chaos 1: the worker, in a process of its own, is killed with SIGKILL twice while jobs run, and started again
 * each time. The emulator lives in this process and survives the kills, so its request log shows how often each
 * container group was created.
 *
 * The kills land where a dead worker leaves only work the server hands to the next one within seconds
 * (workflow tasks, timers, signals): while every container works, and while a failed run waits out its restart
 * backoff. A kill in the middle of an ARM operation would instead wait out the activity's heartbeat timeout
 * (two minutes) before the next attempt resumes it; test/activities covers that resume.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../../src/config';
import { startEmulator, type Emulator } from '../../../dev/emulator';
import type { RunProgress } from '../../../src/shared/messages';
import { JobClient } from '../../../src/client';
import type { JobSettings } from '../../../src/shared/job-settings';
import { workflowBundle } from '../../helpers/temporal';
import { waitFor } from '../../helpers/wait';
import {
  groupNamesOf,
  runProgress,
  sampleJobSpec,
  submitJobs,
  succeeded,
  uniqueJobId,
  type ChaosJob,
} from '../jobs';
import { putCount } from '../groups';
import {
  CHAOS_POLL_INTERVAL_MS,
  CHAOS_RESOURCE_GROUP,
  CHAOS_WAIT,
  chaosTaskQueue,
  concludeScenario,
} from '../scenario-kit';
import type { ChaosTally } from '../tally';
import { startWorkerProcess, type WorkerProcess } from '../worker-processes';

/** Long enough that every container still works through both kills and restarts (a loaded machine included). */
const LONG_WORK = { WORK_STEPS: '30', STEP_MS: '1000' };
/** The instance that fails its first attempt after the first kill; its restart backoff overlaps the others' work. */
const FAILS_FIRST_ATTEMPT = { WORK_STEPS: '4', STEP_MS: '1000', FAIL_ON_ATTEMPTS: '1' };
const RESTART_BACKOFF = '3s';
/** A kill lands in the others' work only while they are this far from done (85% leaves them 4.5 s). */
const MAX_PERCENT_AT_KILL = 85;

export function workerKillScenario(tally: ChaosTally): void {
  describe('chaos: the worker is killed with SIGKILL mid-job and started again', () => {
    const temporalAddress = inject('temporalDevAddress');
    const taskQueue = chaosTaskQueue('worker-kill');
    let emulator: Emulator;
    let connection: Connection;
    let client: Client;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      emulator = await startEmulator();
      connection = await Connection.connect({ address: temporalAddress });
      client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
    });
    afterAll(async () => {
      for (const worker of workers) await worker.stop().catch(() => undefined);
      await connection?.close();
      await emulator?.close();
    });

    const startWorker = async () => {
      const worker = await startWorkerProcess({
        temporalAddress,
        namespace: DEFAULT_NAMESPACE,
        taskQueue,
        emulator,
        resourceGroup: CHAOS_RESOURCE_GROUP,
        workflowBundlePath: workflowBundle().codePath,
        pollIntervalMs: CHAOS_POLL_INTERVAL_MS,
      });
      workers.push(worker);
      return worker;
    };

    it('finishes every job right after two kills, creates each group once, and leaves none', async () => {
      const jobs: ChaosJob[] = [
        {
          jobId: uniqueJobId('kill-a'),
          instances: [LONG_WORK, FAILS_FIRST_ATTEMPT],
          expected: [succeeded(), succeeded(2)],
        },
        {
          jobId: uniqueJobId('kill-b'),
          instances: [LONG_WORK, LONG_WORK],
          expected: [succeeded(), succeeded()],
        },
      ].map(({ jobId, instances, expected }) => ({
        jobId,
        spec: sampleJobSpec(jobId, {
          instances,
          onFailure: { action: 'restart', maxRestarts: 2, backoff: RESTART_BACKOFF },
        }),
        expected,
      }));
      const [failingJob] = jobs as [ChaosJob, ChaosJob];
      const longRuns = jobs.flatMap((job) =>
        job.expected
          .map((_, index) => ({ jobId: job.jobId, index }))
          .filter(({ jobId, index }) => !(jobId === failingJob.jobId && index === 1)),
      );
      const phases = () => Promise.all(longRuns.map(({ jobId, index }) => runProgress(client, jobId, index)));
      const stillWorking = (views: Array<RunProgress | undefined>) =>
        views.every((view) => view?.phase === 'Running' && (view.percent ?? 0) <= MAX_PERCENT_AT_KILL);

      // signals straight to Temporal: the containers need neither the worker nor an API
      const settings: JobSettings = { temporal: { address: temporalAddress, namespace: DEFAULT_NAMESPACE } };
      let worker = await startWorker();
      const started = await submitJobs(new JobClient(client, { taskQueue, settings }), jobs);
      let kills = 0;

      // kill 1: every run has its group and works, the failing one has not failed yet
      await waitFor(
        'every run to be working',
        async () => {
          const failing = await runProgress(client, failingJob.jobId, 1);
          return failing?.phase === 'Running' && failing.attempt === 1 && stillWorking(await phases());
        },
        CHAOS_WAIT,
      );
      await worker.kill();
      kills++;
      worker = await startWorker();

      // kill 2: the failed run waits out its restart backoff (no restart sent yet) while the others still work
      const failingGroup = groupNamesOf(failingJob)[1]!;
      await waitFor(
        'the failed run to wait for its restart while the others work',
        // the restart request is looked for last, right before the kill
        async () =>
          stillWorking(await phases()) &&
          (await runProgress(client, failingJob.jobId, 1))?.phase === 'Restarting' &&
          emulator.requests.all({ group: failingGroup, operation: 'restart' }).length === 0,
        CHAOS_WAIT,
      );
      await worker.kill();
      kills++;
      await startWorker();

      await concludeScenario({
        tally,
        scenario: 'worker SIGKILL',
        jobs,
        started,
        emulator,
        timeoutMs: 90_000,
        faults: () => ({
          count: kills,
          detail: `${kills} SIGKILLs (mid-work, in restart backoff); ${putCount(emulator)} PUTs for ${
            jobs.length * 2
          } groups`,
        }),
      });
      expect(kills).toBe(2);
    });
  });
}
