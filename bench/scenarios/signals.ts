/**
 * Signals handled per second. Per run (what Durable Functions' 50 external events/s per instance compares
 * with): N progress signals then a completion signal to one waiting run, from the first send to the delete
 * request its last signal causes (signals are handled in order, so by then all were). Across runs: one
 * completion signal to each of M waiting runs, from the first send to the last delete request.
 */
import { preciseNow } from '../../dev/emulator/time';
import { progressSignal, runProgressQuery } from '../../src/shared/messages';
import { runWorkflowId } from '../../src/shared/names';
import { benchJobId, BENCH_TENANT, groupNames, runJob, sendCompletion } from '../jobs';
import { inPool } from '../pool';
import type { ProfileStack } from '../profile-stack';
import { waitForRequests } from '../request-times';

export interface SignalRate {
  signals: number;
  seconds: number;
  perSecond: number;
}

export interface SignalsResult {
  perRun: SignalRate;
  acrossRuns: SignalRate & { runs: number };
}

export async function measureSignals(
  stack: ProfileStack,
  plan: { perRun: number; sendConcurrency: number; acrossRuns: number },
): Promise<SignalsResult> {
  return {
    perRun: await signalsToOneRun(stack, plan.perRun, plan.sendConcurrency),
    acrossRuns: await completionsAcrossRuns(stack, plan.acrossRuns, plan.sendConcurrency),
  };
}

async function signalsToOneRun(stack: ProfileStack, count: number, concurrency: number): Promise<SignalRate> {
  const jobId = benchJobId('signals', stack.plan.name);
  const job = runJob(stack, { jobId, instances: 1, maxParallel: 1 });
  await waitUntilRunning(stack, jobId, 1);
  const run = stack.client.workflow.getHandle(runWorkflowId(BENCH_TENANT, jobId, 0));
  const startedAt = preciseNow();
  await inPool(count, concurrency, (i) =>
    run.signal(progressSignal, { percent: i % 101, message: `step ${i}`, reportId: `progress-${i}` }),
  );
  await sendCompletion(stack, jobId, 0);
  const deleted = await waitForRequests(stack.emulator, 'DELETE', groupNames(jobId, 1));
  await job;
  const seconds = (Math.max(...[...deleted.values()].map((entry) => entry.time)) - startedAt) / 1000;
  return { signals: count + 1, seconds, perSecond: (count + 1) / seconds };
}

async function completionsAcrossRuns(
  stack: ProfileStack,
  runs: number,
  concurrency: number,
): Promise<SignalRate & { runs: number }> {
  const jobId = benchJobId('completions', stack.plan.name);
  const job = runJob(stack, { jobId, instances: runs, maxParallel: runs });
  await waitUntilRunning(stack, jobId, runs);
  const startedAt = preciseNow();
  await inPool(runs, concurrency, (i) => sendCompletion(stack, jobId, i));
  const deleted = await waitForRequests(stack.emulator, 'DELETE', groupNames(jobId, runs));
  await job;
  const seconds = (Math.max(...[...deleted.values()].map((entry) => entry.time)) - startedAt) / 1000;
  return { runs, signals: runs, seconds, perSecond: runs / seconds };
}

/** Until each of the job's runs says it is Running: its group is up and it waits for its report. */
async function waitUntilRunning(stack: ProfileStack, jobId: string, runs: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  const pending = new Set(Array.from({ length: runs }, (_, i) => i));
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} runs of ${jobId} never reached Running`);
    const waiting = [...pending];
    await inPool(waiting.length, 50, async (slot) => {
      const index = waiting[slot]!;
      const handle = stack.client.workflow.getHandle(runWorkflowId(BENCH_TENANT, jobId, index));
      const phase = await handle.query(runProgressQuery).then(
        (progress) => progress.phase,
        () => undefined, // not started yet
      );
      if (phase === 'Running') pending.delete(index);
    });
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
