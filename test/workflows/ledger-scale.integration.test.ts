/**
 * The real capacity ledger on the dev server with more runs asking at once than it may signal at once: 2,000
 * lease requests from the test (the runs themselves do not exist, so each grant's signal fails, and the lease
 * comes back, as for a run that is gone). Admission's activities answer from a test account large enough for
 * all (mocked at the edge: ARM). Temporal fails a workflow task that leaves more than 2,000 signals to other
 * workflows pending, so the ledger must never have more than its own bound in flight, and its history (about
 * 6,000 events) makes it continue as new with requests still queued: they come back in the next run, packed.
 */
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackSnapshot } from '../../src/capacity/packed-snapshot';
import { leaseGrantedSignal, leaseRequestSignal, ledgerWorkflowId } from '../../src/shared/capacity';
import { connectToDevServer } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { admittedAci, POOL, startLedger } from './admitted-aci';
import { withWorker } from './harness';

const REQUESTS = 2_000;
/** creates ACI allows in 5 minutes, here: the rest wait for the window, across continue-as-new */
const CREATES_PER_5_MIN = 1_500;
const FORCE_CLOSE =
  temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND;
/** the ledger's own bound (SIGNALS_IN_FLIGHT in src/workflows/capacityLedger.ts) */
const SIGNALS_IN_FLIGHT = 500;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectToDevServer();
});
afterAll(() => env?.teardown());

type Event = temporal.api.history.v1.IHistoryEvent;

/** Every run of the ledger's continue-as-new chain, first to last, with its events. */
async function ledgerRuns(workflowId: string, firstRunId: string): Promise<Event[][]> {
  const runs: Event[][] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const events: Event[] =
      (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** The most signals to other workflows that were initiated and not yet answered at once, in one run. */
function mostPending(events: Event[]): number {
  let pending = 0;
  let most = 0;
  for (const event of events) {
    if (event.signalExternalWorkflowExecutionInitiatedEventAttributes) most = Math.max(most, ++pending);
    if (
      event.externalWorkflowExecutionSignaledEventAttributes ||
      event.signalExternalWorkflowExecutionFailedEventAttributes
    )
      pending--;
  }
  return most;
}

const grantsIn = (events: Event[]) =>
  events.flatMap((event) => {
    const initiated = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    return initiated?.signalName === leaseGrantedSignal.name
      ? [initiated.workflowExecution!.workflowId!]
      : [];
  });

describe('the capacity ledger at scale (dev server, fake ARM)', () => {
  it(
    'grants 2,000 runs asking at once with at most 500 signals in flight, carrying its queue across continue-as-new',
    { timeout: 240_000 },
    async () => {
      const big = REQUESTS * 2;
      const { aci, setQueue } = admittedAci(
        env,
        {
          // ACI's 5 minutes are 6 s here
          windowScale: 0.02,
          limits: {
            cores: big,
            groups: big,
            createsPer5Min: CREATES_PER_5_MIN,
            createsPerHour: big,
            deletesPer5Min: big,
            deletesPerHour: big,
          },
        },
        { script: () => ({ kind: 'hang' }) },
      );
      await withWorker(env, aci, async (taskQueue) => {
        setQueue(taskQueue);
        await startLedger(env, taskQueue);
        const ledger = env.client.workflow.getHandle(ledgerWorkflowId(taskQueue));
        const { runId: firstRunId } = await ledger.describe();
        const runIds = Array.from({ length: REQUESTS }, (_, index) => `scale.gone-${index}`);
        for (let from = 0; from < REQUESTS; from += 100) {
          await Promise.all(
            runIds.slice(from, from + 100).map((runId, offset) =>
              ledger.signal(leaseRequestSignal, {
                runId,
                tenant: 'scale',
                jobId: 'gone',
                priority: 3,
                cores: 1,
                options: [{ pool: POOL, spot: false }],
                enqueuedAt: from + offset,
                groupName: `scale-gone-${from + offset}`,
              }),
            ),
          );
        }

        const runs = await waitFor(
          'every request granted',
          async () => {
            const chain = await ledgerRuns(ledger.workflowId, firstRunId);
            return chain.length > 1 && chain.flatMap(grantsIn).length >= REQUESTS ? chain : undefined;
          },
          { timeoutMs: 180_000, intervalMs: 1_000 },
        );
        expect(new Set(runs.flatMap(grantsIn))).toEqual(new Set(runIds));
        expect(runs.flatMap(grantsIn)).toHaveLength(REQUESTS);
        for (const events of runs) {
          expect(mostPending(events)).toBeLessThanOrEqual(SIGNALS_IN_FLIGHT);
          // the one failure allowed: the server's when signals came while a task continued as new (it is retried with them)
          const failed = events.flatMap((event) => event.workflowTaskFailedEventAttributes ?? []);
          expect(failed.filter((failure) => failure.cause !== FORCE_CLOSE)).toEqual([]);
        }
        // it continued as new; its next run got the book packed, with what the first had not granted yet
        const [, carried] = runs[1]![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
        expect(Buffer.from(carried!.metadata!.encoding!).toString()).toBe('binary/plain');
        const book = unpackSnapshot(carried!.data!);
        const grantedFirst = new Set(grantsIn(runs[0]!));
        expect(book.leases).toEqual([]); // every grant's signal failed, so each lease came back
        expect(book.queue.length).toBeGreaterThan(0);
        for (const request of book.queue) expect(grantedFirst.has(request.runId)).toBe(false);
        expect(book.queue.length + grantedFirst.size).toBeLessThanOrEqual(REQUESTS);
        await ledger.terminate('test over');
      });
      expect(aci.createInputs).toEqual([]);
    },
  );
});
