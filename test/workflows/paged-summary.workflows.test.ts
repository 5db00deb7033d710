/**
 * Paged job summaries on the time-skipping server with the fake ACI: a job far past the old limit (about 1,700
 * instances with 1,000-character messages, when every row travelled through continue-as-new and back in the
 * result) completes with the right counts and cost, its payloads stay under Temporal's 2 MB, and its rows read
 * back page by page through the job client match what the runs reported; and the rows of a paged summary read
 * the same as a listed one's for each kind of instance: returned, cancelled (by the job or its policies), never
 * started. (A run that failed without a result, e.g. terminated, is read in test/api/runs-route: the
 * time-skipping server never tells a parent that its child was terminated.)
 *
 * The big job's size: PAGED_JOB_INSTANCES, default 2,000 (its rows alone are 2.5 MB: a listed summary would be
 * refused). Each instance is a real containerRun workflow with its activities, tens of milliseconds of CPU on a
 * 2-core machine, so the spec's maximum takes minutes: `PAGED_JOB_INSTANCES=10000` runs it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/client';
import { jobStatusQuery, type JobSummary, type RunSummary } from '../../src/shared/messages';
import { jobWorkflowId } from '../../src/shared/names';
import { utf8Length } from '../../src/shared/run-records';
import { batchJob } from '../../src/workflows';
import type { BatchJobInput } from '../../src/workflows/inputs';
import { waitFor } from '../helpers/wait';
import type { ContainerScript, FakeAci } from './fake-aci';
import { connectTestServer, fakeAci, withWorker } from './harness';
import { batchJobInput, TENANT } from './specs';

/** Temporal refuses a payload above this ("Blob data size exceeds limit"). */
const BLOB_LIMIT = 2 * 1024 * 1024;
const INSTANCES = Number(process.env.PAGED_JOB_INSTANCES ?? 2000);

/** A 1,000-character message (the most a run keeps) that names its instance. */
const longMessage = (index: number) => `instance ${index} failed: `.padEnd(1000, 'x');

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

describe('paged job summaries (mocked activities)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestServer();
  });
  afterAll(() => env?.teardown());

  it(
    `completes ${INSTANCES.toLocaleString('en')} instances with 1,000-character failure messages; its rows read back page by page`,
    { timeout: Math.max(300_000, INSTANCES * 300) },
    async () => {
      const aci = fakeAci(env, {
        script: ({ instanceIndex }): ContainerScript =>
          instanceIndex % 10 === 0
            ? { kind: 'report', status: 'Completed', message: longMessage(instanceIndex) }
            : { kind: 'report', status: 'Failed', exitCode: 3, message: longMessage(instanceIndex) },
      });
      const input = batchJobInput('paged', {
        instances: INSTANCES,
        maxParallel: 200,
        logTailLines: 0,
        onFailure: { action: 'delete' },
      });
      const ref = { tenant: TENANT, jobId: input.spec.jobId };
      const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
      const started = Date.now();
      const { summary, payloads, rows, firstPage } = await withWorker(env, aci, async (taskQueue) => {
        const handle = await env.client.workflow.start(batchJob, { taskQueue, workflowId, args: [input] });
        const progress = setInterval(() => {
          // the job's status as it goes (it may be continuing as new right now: then nothing is said)
          plainClient(env)
            .workflow.getHandle(workflowId)
            .query(jobStatusQuery)
            .then(
              (status) =>
                console.log(`${Math.round((Date.now() - started) / 1000)} s: ${status.percent}% finished`),
              () => undefined,
            );
        }, 30_000);
        const summary = await handle.result().finally(() => clearInterval(progress));
        const ran = Date.now() - started;
        const jobs = new JobClient(plainClient(env), { taskQueue });
        const readFrom = Date.now();
        const firstPage = await jobs.runPage(ref, { limit: 50 });
        const rows = await jobs.allRuns(ref);
        console.log(
          `${INSTANCES} instances: ran in ${(ran / 1000).toFixed(1)} s; ` +
            `${rows.length} rows read from the runs in ${((Date.now() - readFrom) / 1000).toFixed(1)} s`,
        );
        return {
          summary,
          payloads: await payloadSizes(env, workflowId, handle.firstExecutionRunId),
          rows,
          firstPage,
        };
      });
      console.log(
        `payloads of the job's runs (continue-as-new inputs, then the result), bytes: ${payloads.join(', ')}`,
      );

      const failed = INSTANCES - Math.ceil(INSTANCES / 10);
      expect(summary).toMatchObject({
        outcome: 'PartiallyFailed',
        total: INSTANCES,
        succeeded: INSTANCES - failed,
        failed,
        timedOut: 0,
        cancelled: 0,
        runs: [],
        runsPaged: true,
      });
      expect(summary.runRecords).toHaveLength(INSTANCES);
      // every payload far below the limit; the result about 35 bytes an instance
      for (const size of payloads) expect(size).toBeLessThan(BLOB_LIMIT / 2);
      expect(payloads.at(-1)).toBeLessThan(INSTANCES * 60 + 2000);

      expect(firstPage).toMatchObject({
        total: INSTANCES,
        offset: 0,
        limit: 50,
        paged: true,
        nextOffset: 50,
      });
      expect(firstPage.runs.map((run) => run.instanceIndex)).toEqual([...Array(50).keys()]);
      expect(rows.map((run) => run.instanceIndex)).toEqual([...Array(INSTANCES).keys()]);
      rows.forEach((row, index) => {
        const succeeded = index % 10 === 0;
        expect(row).toMatchObject({
          status: succeeded ? 'Succeeded' : 'Failed',
          message: longMessage(index),
          attempts: 1,
          ...(!succeeded && { exitCode: 3, reason: 'Reported' }),
        });
        expect(row).not.toHaveProperty('logTail');
      });
      // listed, these rows alone would pass the limit: the job's continue-as-new input and result carried them
      expect(utf8Length(JSON.stringify(rows))).toBeGreaterThan(BLOB_LIMIT);
      // the job's cost is its runs' cost, as the rows read from the runs say
      const sum = (pick: (run: RunSummary) => number) => rows.reduce((total, run) => total + pick(run), 0);
      expect(summary.billedSeconds).toBe(sum((run) => run.billedSeconds));
      expect(summary.costUsd).toBeCloseTo(
        sum((run) => run.costUsd),
        6,
      );
      expect(summary.costUsd).toBeGreaterThan(0);
      expect(aci.aliveGroups()).toEqual([]);
    },
  );

  describe('reads the rows of a paged summary as a listed summary lists them', () => {
    /**
     * The job run twice, listed and then paged (its summary limit lowered to 0), each with a fresh fake ACI and
     * what `during` does while it runs; the job's summary and its rows as the job client reads them.
     */
    async function listedAndPaged(
      label: string,
      overrides: Parameters<typeof batchJobInput>[1],
      scenario: () => { aci: FakeAci; during: (workflowId: string) => Promise<void> },
    ): Promise<Array<{ summary: JobSummary; rows: RunSummary[] }>> {
      const answers: Array<{ summary: JobSummary; rows: RunSummary[] }> = [];
      for (const summaryRowsMax of [undefined, 0]) {
        const { aci, during } = scenario();
        const input: BatchJobInput & { spec: { jobId: string } } = {
          ...batchJobInput(label, overrides),
          ...(summaryRowsMax !== undefined && { summaryRowsMax }),
        };
        const workflowId = jobWorkflowId(TENANT, input.spec.jobId);
        answers.push(
          await withWorker(env, aci, async (taskQueue) => {
            const handle = await env.client.workflow.start(batchJob, {
              taskQueue,
              workflowId,
              args: [input],
            });
            await during(workflowId);
            const summary = await handle.result();
            const jobs = new JobClient(plainClient(env), { taskQueue });
            return { summary, rows: await jobs.allRuns({ tenant: TENANT, jobId: input.spec.jobId }) };
          }),
        );
        // whatever happened, every run removed its group
        expect(aci.aliveGroups()).toEqual([]);
      }
      return answers;
    }

    /** What two jobs' rows share: not their group names (jobs differ) nor times (the clock moves on). */
    const comparable = (rows: RunSummary[]) =>
      rows.map(
        ({ groupName: _g, startedAt: _s, finishedAt: _f, billedSeconds: _b, costUsd: _c, ...row }) => row,
      );

    it(
      "a returned result, runs the job's failure policy cancelled, instances it never started",
      { timeout: 120_000 },
      async () => {
        const reason = '1 instances failed, more than failurePolicy.maxFailedInstances (0) tolerates';
        const [listed, paged] = await listedAndPaged(
          'paged-policy',
          {
            instances: 5,
            maxParallel: 3,
            onFailure: { action: 'delete' },
            failurePolicy: { maxFailedInstances: 0 },
          },
          () => {
            let release = () => {};
            const held = new Promise<void>((resolve) => (release = resolve));
            const aci = fakeAci(env, {
              script: ({ instanceIndex }): ContainerScript =>
                instanceIndex === 1
                  ? { kind: 'report', status: 'Failed', exitCode: 11, message: 'm1' }
                  : { kind: 'hang' },
              holdScripts: held,
            });
            // the policy stops the job only once every run is past its create (see FakeAciOptions.holdScripts)
            const during = async () => {
              await waitFor('the first 3 container groups', () => aci.groups.size === 3);
              release();
            };
            return { aci, during };
          },
        );
        expect(listed!.summary.runsPaged).toBeUndefined();
        expect(listed!.rows).toEqual(listed!.summary.runs);
        expect(paged!.summary).toMatchObject({ runs: [], runsPaged: true, failed: 1, cancelled: 4, reason });
        expect(comparable(paged!.rows)).toEqual(comparable(listed!.summary.runs));
        expect(paged!.rows.map((row) => [row.status, row.message])).toEqual([
          ['Cancelled', `cancelled: ${reason}; billing estimated from the run's duration`],
          ['Failed', 'm1'],
          ['Cancelled', `cancelled: ${reason}; billing estimated from the run's duration`],
          ['Cancelled', `never started: ${reason}`],
          ['Cancelled', `never started: ${reason}`],
        ]);
        expect(paged!.rows[1]).toMatchObject({ exitCode: 11, attempts: 1, reason: 'Reported' });
      },
    );

    it('runs cancelled with the job, and instances it never started', async () => {
      const [listed, paged] = await listedAndPaged(
        'paged-cancelled',
        { instances: 4, maxParallel: 2 },
        () => {
          const aci = fakeAci(env, { script: () => ({ kind: 'hang' }) });
          const during = async (workflowId: string) => {
            await waitFor('the first 2 container groups', () => aci.groups.size === 2);
            await env.client.workflow.getHandle(workflowId).cancel();
          };
          return { aci, during };
        },
      );
      expect(paged!.summary).toMatchObject({ outcome: 'Cancelled', cancelled: 4, runsPaged: true });
      expect(comparable(paged!.rows)).toEqual(comparable(listed!.summary.runs));
      expect(paged!.rows.map((row) => row.message)).toEqual([
        "cancelled; billing estimated from the run's duration",
        "cancelled; billing estimated from the run's duration",
        'never started',
        'never started',
      ]);
      // never started: at the job's end, as the listed summary has them
      expect(paged!.rows[3]!.startedAt).toBe(paged!.summary.finishedAt);
      expect(listed!.summary.runs[3]!.startedAt).toBe(listed!.summary.finishedAt);
    });
  });
});

/** A client without the time-skipping one's locking around each result (the rows are read from closed runs). */
function plainClient(env: TestWorkflowEnvironment): Client {
  return new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
}

/** The size of each run's input (continue-as-new) and of the job's result, in bytes, first to last. */
async function payloadSizes(
  env: TestWorkflowEnvironment,
  workflowId: string,
  firstRunId: string,
): Promise<number[]> {
  const sizes: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const last = history.events?.at(-1);
    const continued = last?.workflowExecutionContinuedAsNewEventAttributes;
    const payloads = continued
      ? continued.input?.payloads
      : last?.workflowExecutionCompletedEventAttributes?.result?.payloads;
    sizes.push((payloads ?? []).reduce((total, payload) => total + (payload.data?.length ?? 0), 0));
    runId = continued?.newExecutionRunId ?? undefined;
  }
  return sizes;
}
