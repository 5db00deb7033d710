/**
 * Job-level policies on the time-skipping server with the fake ACI: each failure policy (a tolerated count, a
 * tolerated percentage, FailJob, RestartInstance on an exit code and on eviction, Ignore, FailInstance), each
 * success policy (chosen indexes, a count), a scheduled job's derived id, a rerun of a partly failed job, and
 * a dependency chain A → B → C with a failure in A.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  JobClient,
  JobNotFinishedError,
  NothingToRerunError,
  settleJobId,
  type SubmittedJob,
} from '../../src/client';
import { JobSpecError, parseJobSpec } from '../../src/shared/job-spec';
import {
  completionSignal,
  jobStatusQuery,
  type JobSummary,
  type RunSummary,
} from '../../src/shared/messages';
import { jobWorkflowId, runWorkflowId } from '../../src/shared/names';
import { JOB_ID, JOB_STATUS, RERUN_OF, SCHEDULE } from '../../src/shared/search-attributes';
import { batchJob } from '../../src/workflows';
import type { BatchJobInput } from '../../src/workflows/inputs';
import { waitFor } from '../helpers/wait';
import type { ContainerScript, FakeAci, ScriptContext } from './fake-aci';
import { fakeAci, startOwnTestServer, withWorker } from './harness';
import { batchJobInput, jobSpec, TENANT } from './specs';

const COMPLETED: ContainerScript = { kind: 'report', status: 'Completed' };
const failed = (exitCode: number): ContainerScript => ({ kind: 'report', status: 'Failed', exitCode });
const HANG: ContainerScript = { kind: 'hang' };

/** `runs` by index, as [index, status] pairs. */
const statuses = (summary: JobSummary) => summary.runs.map((run) => [run.instanceIndex, run.status]);
const run = (summary: JobSummary, index: number): RunSummary =>
  summary.runs.find((candidate) => candidate.instanceIndex === index)!;

describe('job-level policies (mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  let aci: FakeAci | undefined;
  /**
   * A client that does not skip time while it waits on a result. Where a job's policy cancels runs that are
   * still working, time must stand still: a skipping clock fires the runs' monitor timers (5 minutes in these
   * specs) one after another, so a monitor's read is nearly always in flight, and when the cancellation's
   * workflow task asks to cancel a read that completed meanwhile, the time-skipping server refuses the whole
   * task ("ACTIVITY_UNKNOWN"; a real server accepts it). The run then hangs and its workflow task holds the
   * server's clock for every test after it. A test that needs time to pass (restarts, time limits) waits
   * with the environment's skipping client, and its runs' monitors are never cancelled mid-read.
   */
  let still: Client;

  beforeAll(async () => {
    env = await startOwnTestServer();
    still = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  });
  afterAll(() => env?.teardown());
  afterEach(() => {
    // whatever the policies decided, every run removed its group
    expect(aci?.aliveGroups()).toEqual([]);
    aci = undefined;
  });

  /**
   * Runs the job to its end; returns its summary and its AciBatchStatus. With `groups`, the containers do
   * their scripts only once that many groups exist: a policy that stops the job then finds every run past its
   * create (see FakeAciOptions.holdScripts). With `timePasses`, the clock skips while the test waits (restart
   * backoffs, the monitor noticing an exit); otherwise it stands still (see `still`).
   */
  async function runJob(
    script: (context: ScriptContext) => ContainerScript,
    input: BatchJobInput & { spec: { jobId: string } },
    { groups, timePasses = false }: { groups?: number; timePasses?: boolean } = {},
  ) {
    let release = () => {};
    const held = groups === undefined ? undefined : new Promise<void>((resolve) => (release = resolve));
    aci = fakeAci(env, { script, holdScripts: held });
    return withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, {
        taskQueue,
        workflowId: jobWorkflowId(TENANT, input.spec.jobId),
        args: [input],
      });
      if (groups !== undefined) {
        await waitFor(`${groups} container groups`, () => aci!.groups.size === groups);
        release();
      }
      const summary = timePasses
        ? await handle.result()
        : await still.workflow.getHandle<typeof batchJob>(handle.workflowId).result();
      const status = (await handle.describe()).typedSearchAttributes.get(JOB_STATUS);
      return { summary, status };
    });
  }

  describe('failure policy', () => {
    it('tolerates maxFailedInstances failures; past it, stops launching and ends Failed saying why', async () => {
      const { summary, status } = await runJob(
        ({ instanceIndex }) => (instanceIndex < 2 ? failed(1) : COMPLETED),
        batchJobInput('tolerate', {
          instances: 6,
          maxParallel: 1,
          onFailure: { action: 'delete' },
          failurePolicy: { maxFailedInstances: 1 },
        }),
      );
      const reason = '2 instances failed, more than failurePolicy.maxFailedInstances (1) tolerates';
      expect(summary).toMatchObject({
        outcome: 'Failed',
        reason,
        total: 6,
        failed: 2,
        cancelled: 4,
        succeeded: 0,
      });
      expect(status).toBe('Failed');
      expect(summary.runs.slice(2).map((r) => r.message)).toEqual(Array(4).fill(`never started: ${reason}`));
      expect(aci!.createInputs).toHaveLength(2);
    });

    it('cancels what runs when it stops: each run removes its group', async () => {
      const { summary } = await runJob(
        ({ instanceIndex }) => (instanceIndex === 0 ? failed(1) : HANG),
        batchJobInput('stop-running', {
          instances: 4,
          onFailure: { action: 'delete' },
          failurePolicy: { maxFailedInstances: 0 },
        }),
        { groups: 4 },
      );
      expect(summary).toMatchObject({ outcome: 'Failed', failed: 1, cancelled: 3 });
      expect(summary.runs.slice(1).map((r) => r.message)).toEqual(
        Array(3).fill(
          "cancelled: 1 instances failed, more than failurePolicy.maxFailedInstances (0) tolerates; billing estimated from the run's duration",
        ),
      );
    });

    it('tolerates maxFailedPercent of the instances', async () => {
      const { summary } = await runJob(
        ({ instanceIndex }) => (instanceIndex % 3 === 0 && instanceIndex < 9 ? failed(1) : HANG),
        batchJobInput('percent', {
          instances: 10,
          maxParallel: 10,
          onFailure: { action: 'delete' },
          failurePolicy: { maxFailedPercent: 20 },
        }),
        { groups: 10 },
      );
      // instances 0, 3 and 6 fail: the third is one too many
      expect(summary).toMatchObject({
        outcome: 'Failed',
        reason: '3 of 10 instances failed (30%), more than failurePolicy.maxFailedPercent (20%) tolerates',
        failed: 3,
        cancelled: 7,
      });
    });

    it('fails the whole job at once on a FailJob rule (exit code 2), without restarting the instance', async () => {
      const { summary } = await runJob(
        ({ instanceIndex }) => (instanceIndex === 2 ? failed(2) : HANG),
        batchJobInput('failjob', {
          instances: 4,
          failurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } }] },
        }),
        { groups: 4 },
      );
      expect(summary).toMatchObject({
        outcome: 'Failed',
        reason: 'instance 2 failed with exit code 2 (Reported); failurePolicy.rules[0] says FailJob',
        failed: 1,
        cancelled: 3,
      });
      // onFailure would have restarted it twice: the rule decided instead
      expect(run(summary, 2)).toMatchObject({
        attempts: 1,
        rule: { index: 0, action: 'FailJob' },
        reason: 'Reported',
      });
      expect(aci!.restarts).toBe(0);
    });

    it('restarts on exit 137 and on eviction, ignores exit 3, fails an instance on other codes; defaults elsewhere', async () => {
      const { summary, status } = await runJob(
        ({ instanceIndex, attempt }) => {
          if (attempt > 1) return COMPLETED;
          switch (instanceIndex) {
            case 0:
              return { kind: 'exit', exitCode: 137 }; // killed (out of memory), without a report
            case 1:
              return { kind: 'vanish' }; // the platform takes the group away
            case 2:
              return failed(3);
            case 3:
              return failed(9);
            default:
              return COMPLETED;
          }
        },
        batchJobInput('rules', {
          instances: 5,
          // without a rule, a failure is not restarted
          onFailure: { action: 'delete' },
          failurePolicy: {
            rules: [
              { action: 'RestartInstance', onExitCodes: { operator: 'In', values: [137] } },
              { action: 'RestartInstance', onReason: 'Evicted' },
              { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
              { action: 'FailInstance', onExitCodes: { operator: 'NotIn', values: [0, 1] } },
            ],
          },
        }),
        // restart backoffs, and the monitor noticing an exit without a report and a vanished group
        { timePasses: true },
      );
      expect(statuses(summary)).toEqual([
        [0, 'Succeeded'],
        [1, 'Succeeded'],
        [2, 'Failed'],
        [3, 'Failed'],
        [4, 'Succeeded'],
      ]);
      expect(run(summary, 0).attempts).toBe(2);
      // the vanished group was made again, and the run went on counting attempts
      expect(run(summary, 1).attempts).toBe(2);
      expect(aci!.vanished).toHaveLength(1);
      expect(run(summary, 2)).toMatchObject({
        ignored: true,
        rule: { index: 2, action: 'Ignore' },
        exitCode: 3,
      });
      expect(run(summary, 3)).toMatchObject({ rule: { index: 3, action: 'FailInstance' }, attempts: 1 });
      // the ignored failure counts as done: one real failure among five
      expect(summary).toMatchObject({ outcome: 'PartiallyFailed', succeeded: 3, failed: 1, ignored: 1 });
      expect(summary).not.toHaveProperty('reason');
      expect(status).toBe('PartiallyFailed');
    });

    it('counts an ignored failure as done: every other instance succeeded, so the job completed', async () => {
      const { summary } = await runJob(
        ({ instanceIndex }) => (instanceIndex === 1 ? failed(3) : COMPLETED),
        batchJobInput('ignore', {
          instances: 3,
          failurePolicy: { maxFailedInstances: 0, rules: [{ action: 'Ignore', onReason: 'Reported' }] },
        }),
      );
      expect(summary).toMatchObject({ outcome: 'Completed', succeeded: 2, failed: 0, ignored: 1 });
    });
  });

  describe('success policy', () => {
    it('completes once the chosen instances succeeded, and cancels the rest', async () => {
      const { summary, status } = await runJob(
        ({ instanceIndex }) => (instanceIndex <= 1 ? COMPLETED : HANG),
        batchJobInput('succeed-indexes', {
          instances: 6,
          maxParallel: 6,
          successPolicy: { succeededIndexes: '0-1' },
        }),
        { groups: 6 },
      );
      expect(summary).toMatchObject({
        outcome: 'Completed',
        reason: 'successPolicy met: instances 0-1 succeeded',
        succeeded: 2,
        cancelled: 4,
      });
      expect(status).toBe('Completed');
      expect(run(summary, 5).message).toMatch(/^cancelled: successPolicy met/);
    });

    it('completes once a count of instances succeeded, failures or not', async () => {
      const { summary } = await runJob(
        ({ instanceIndex }) => (instanceIndex === 0 ? failed(1) : instanceIndex <= 2 ? COMPLETED : HANG),
        batchJobInput('succeed-count', {
          instances: 6,
          onFailure: { action: 'delete' },
          successPolicy: { succeededCount: 2 },
        }),
        { groups: 6 },
      );
      expect(summary).toMatchObject({
        outcome: 'Completed',
        reason: 'successPolicy met: 2 instances succeeded',
        succeeded: 2,
        failed: 1,
        cancelled: 3,
      });
    });

    it('never starts what it no longer needs', async () => {
      const { summary } = await runJob(
        () => COMPLETED,
        batchJobInput('succeed-early', {
          instances: 5,
          maxParallel: 1,
          successPolicy: { succeededIndexes: '1' },
        }),
      );
      expect(summary).toMatchObject({ outcome: 'Completed', succeeded: 2, cancelled: 3 });
      expect(summary.runs.slice(2).map((r) => r.message)).toEqual(
        Array(3).fill('never started: successPolicy met: instances 1 succeeded'),
      );
    });
  });

  it('gives a scheduled job its id from the fire time in its workflow id', async () => {
    aci = fakeAci(env, { script: () => COMPLETED });
    const { jobId: _jobId, ...spec } = parseJobSpec(jobSpec('unused', { instances: 2 }));
    const workflowId = `${TENANT}.nightly-2026-11-24T02:00:00Z`;
    const { summary, attributes, found } = await withWorker(env, aci, async (taskQueue) => {
      const handle = await env.client.workflow.start(batchJob, {
        taskQueue,
        workflowId,
        args: [{ spec, schedule: { name: 'nightly' } }],
        typedSearchAttributes: [{ key: SCHEDULE, value: 'nightly' }],
      });
      const summary = await handle.result();
      const attributes = (await handle.describe()).typedSearchAttributes;
      const found = await new JobClient(env.client, { taskQueue }).get(
        { tenant: TENANT, jobId: 'nightly-20261124020000' },
        { reruns: false },
      );
      return { summary, attributes, found };
    });
    expect(summary).toMatchObject({ jobId: 'nightly-20261124020000', outcome: 'Completed' });
    expect(aci.createInputs.map((create) => create.run.workflowId).sort()).toEqual([
      runWorkflowId(TENANT, 'nightly-20261124020000', 0),
      runWorkflowId(TENANT, 'nightly-20261124020000', 1),
    ]);
    expect(attributes.get(JOB_ID)).toBe('nightly-20261124020000');
    expect(found).toMatchObject({ state: 'Completed', schedule: 'nightly' });
  });

  it('reruns only the failed, timed-out and cancelled instances of a partly failed job, with their parameters and indexes', async () => {
    aci = fakeAci(env, {
      script: ({ workflowId, instanceIndex }) => {
        if (workflowId.includes('-rerun-')) return COMPLETED;
        if (instanceIndex === 1) return failed(4);
        if (instanceIndex === 3) return HANG; // times out
        return COMPLETED;
      },
    });
    const spec = settleJobId(
      parseJobSpec(
        jobSpec('partly', {
          instances: [
            { env: { SHARD: 'a' } },
            { env: { SHARD: 'b' } },
            { env: { SHARD: 'c' } },
            { env: { SHARD: 'd' } },
          ],
          onFailure: { action: 'delete' },
          // not a multiple of the monitor interval (5 minutes): the time limit never ends the wait in the
          // instant a monitor tick fires (the time-skipping server refuses to cancel a timer that just fired)
          timeLimit: '12 minutes',
        }),
      ),
    );
    const ref = { tenant: TENANT, jobId: spec.jobId };
    await withWorker(env, aci, async (taskQueue) => {
      const jobs = new JobClient(env.client, { taskQueue });
      await jobs.submit(spec);
      await expect(jobs.rerun(ref)).rejects.toThrow(JobNotFinishedError);
      const original = await jobs.result(ref);
      expect(statuses(original)).toEqual([
        [0, 'Succeeded'],
        [1, 'Failed'],
        [2, 'Succeeded'],
        [3, 'TimedOut'],
      ]);

      const rerun = await jobs.rerun(ref);
      expect(rerun).toMatchObject({
        started: true,
        instances: [1, 3],
        ref: { jobId: `${spec.jobId}-rerun-1` },
      });
      const summary = await jobs.result(rerun.ref);
      expect(summary).toMatchObject({ outcome: 'Completed', total: 2 });
      expect(statuses(summary)).toEqual([
        [1, 'Succeeded'],
        [3, 'Succeeded'],
      ]);
      // each rerun instance ran as its original index, with its own parameters
      const creates = aci!.createInputs.filter((create) => create.run.jobId === rerun.ref.jobId);
      expect(creates.map((create) => [create.run.instanceIndex, create.spec.env.SHARD]).sort()).toEqual([
        [1, 'b'],
        [3, 'd'],
      ]);
      expect(creates.map((create) => create.run.workflowId).sort()).toEqual([
        runWorkflowId(TENANT, rerun.ref.jobId, 1),
        runWorkflowId(TENANT, rerun.ref.jobId, 3),
      ]);
      const view = await jobs.get(rerun.ref, { reruns: false });
      expect(view.rerunOf).toBe(spec.jobId);
      expect((await jobs.jobHandle(rerun.ref).describe()).typedSearchAttributes.get(RERUN_OF)).toBe(
        spec.jobId,
      );

      // the original can be rerun again (the next id), the completed rerun cannot
      const second = await jobs.rerun(ref);
      expect(second.ref.jobId).toBe(`${spec.jobId}-rerun-2`);
      await jobs.result(second.ref);
      await expect(jobs.rerun(rerun.ref)).rejects.toThrow(NothingToRerunError);
    });
  });

  describe('dependencies', () => {
    it('runs a chain A → B → C: B and C wait, then fail saying why when A fails; nothing of theirs starts', async () => {
      aci = fakeAci(env, {
        script: ({ instanceIndex }) => (instanceIndex === 1 ? HANG : COMPLETED),
      });
      const label = (name: string) => jobSpec(name, { instances: 2, onFailure: { action: 'delete' } });
      const a = settleJobId(parseJobSpec(label('chain-a')));
      const b = settleJobId(parseJobSpec({ ...label('chain-b'), dependsOn: { jobs: [a.jobId] } }));
      const c = settleJobId(parseJobSpec({ ...label('chain-c'), dependsOn: { jobs: [b.jobId] } }));
      const ref = (jobId: string) => ({ tenant: TENANT, jobId });
      await withWorker(env, aci, async (taskQueue) => {
        // nothing here needs time to pass: the clock stands still (see `still`)
        const jobs = new JobClient(still, { taskQueue });
        // a job may depend only on jobs already submitted
        await expect(jobs.submit(c)).rejects.toThrow(JobSpecError);
        const submitted: SubmittedJob[] = [];
        for (const spec of [a, b, c]) submitted.push(await jobs.submit(spec));
        expect(submitted.every((job) => job.started)).toBe(true);

        await waitFor('A to run and B and C to wait', async () => {
          const [viewB, viewC] = await Promise.all([jobs.get(ref(b.jobId)), jobs.get(ref(c.jobId))]);
          return aci!.groups.size === 1 && viewB.state === 'Waiting' && viewC.state === 'Waiting' && viewB;
        });
        const waiting = await jobs.status(ref(b.jobId));
        expect(waiting).toMatchObject({
          state: 'Waiting',
          dependsOn: { jobs: [a.jobId], condition: 'AllSucceeded' },
        });
        expect((await jobs.jobHandle(ref(c.jobId)).describe()).typedSearchAttributes.get(JOB_STATUS)).toBe(
          'Waiting',
        );

        await jobs
          .runHandle(ref(a.jobId), 1)
          .signal(completionSignal, { status: 'Failed', reportId: 'x', exitCode: 1 });
        const summaryC = await jobs.result(ref(c.jobId));
        const summaryB = await jobs.result(ref(b.jobId));
        expect((await jobs.result(ref(a.jobId))).outcome).toBe('PartiallyFailed');
        expect(summaryB).toMatchObject({
          outcome: 'Failed',
          reason: `dependency ${TENANT}/${a.jobId} ended PartiallyFailed, and dependsOn.condition is AllSucceeded`,
          cancelled: 2,
        });
        expect(summaryB.runs.every((r) => r.message?.startsWith('never started: dependency'))).toBe(true);
        expect(summaryC).toMatchObject({
          outcome: 'Failed',
          reason: `dependency ${TENANT}/${b.jobId} ended Failed, and dependsOn.condition is AllSucceeded`,
        });
        expect((await jobs.jobHandle(ref(c.jobId)).describe()).typedSearchAttributes.get(JOB_STATUS)).toBe(
          'Failed',
        );
      });
      const created = new Set(aci.createInputs.map((create) => create.run.jobId));
      expect([...created]).toEqual([a.jobId]);
    });

    it('runs after its dependencies whatever their outcome with AllFinished; a job that waits can be cancelled', async () => {
      aci = fakeAci(env, {
        script: ({ workflowId }) =>
          workflowId.includes('.first-') ? failed(1) : workflowId.includes('.hold-') ? HANG : COMPLETED,
      });
      const first = settleJobId(parseJobSpec(jobSpec('first', { onFailure: { action: 'delete' } })));
      const after = settleJobId(
        parseJobSpec({ ...jobSpec('after'), dependsOn: { jobs: [first.jobId], condition: 'AllFinished' } }),
      );
      const hold = settleJobId(parseJobSpec(jobSpec('hold', { instances: 1 })));
      const held = settleJobId(parseJobSpec({ ...jobSpec('held'), dependsOn: { jobs: [hold.jobId] } }));
      await withWorker(env, aci, async (taskQueue) => {
        const jobs = new JobClient(still, { taskQueue });
        await jobs.submit(first);
        await jobs.submit(after);
        const summary = await jobs.result({ tenant: TENANT, jobId: after.jobId });
        expect(summary).toMatchObject({ outcome: 'Completed', succeeded: 1 });
        expect((await jobs.result({ tenant: TENANT, jobId: first.jobId })).outcome).toBe('Failed');

        // a dependency that does not end: the waiting job is cancelled and ends Cancelled, having started nothing
        await jobs.submit(hold);
        await jobs.submit(held);
        const heldRef = { tenant: TENANT, jobId: held.jobId };
        await waitFor(
          'the job to wait',
          async () =>
            (await env.client.workflow.getHandle(jobWorkflowId(TENANT, held.jobId)).query(jobStatusQuery))
              .state === 'Waiting',
        );
        await jobs.cancel(heldRef);
        expect(await jobs.result(heldRef)).toMatchObject({ outcome: 'Cancelled', cancelled: 1 });
        expect(aci!.createInputs.some((create) => create.run.jobId === held.jobId)).toBe(false);
        await jobs.cancel({ tenant: TENANT, jobId: hold.jobId });
        await jobs.result({ tenant: TENANT, jobId: hold.jobId });
      });
    });
  });
});
