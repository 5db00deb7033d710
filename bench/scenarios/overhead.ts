/**
 * Overhead per container run, one-instance jobs at low concurrency: the client's start call → the create
 * request at ARM, and the completion signal → the delete request at ARM; both profiled from the histories.
 */
import { completionToDeleteBreakdown, startToCreateBreakdown, type Breakdown } from '../history-breakdown';
import { benchJobId, groupNames, runJob, type JobRun } from '../jobs';
import { inPool } from '../pool';
import type { ProfileStack } from '../profile-stack';
import { firstRequests } from '../request-times';
import { distribution, type Distribution } from '../stats';

export interface OverheadResult {
  runs: number;
  concurrency: number;
  runMs: number;
  startToCreateMs: Distribution;
  completionToDeleteMs: Distribution;
  startToCreateBreakdown: Breakdown;
  completionToDeleteBreakdown: Breakdown;
}

export async function measureOverhead(stack: ProfileStack): Promise<OverheadResult> {
  const { jobs, concurrency, runMs } = stack.plan.overhead;
  const one = (jobId: string) => runJob(stack, { jobId, instances: 1, maxParallel: 1, runMs });
  // the first job pays for cold caches (workflow sandbox, connections): not measured
  await one(benchJobId('warmup', stack.plan.name));
  stack.emulator.requests.clear();
  const runs: JobRun[] = [];
  await inPool(jobs, concurrency, async (i) => {
    runs.push(await one(benchJobId('overhead', stack.plan.name, i)));
  });

  const creates = firstRequests(stack.emulator, 'PUT');
  const deletes = firstRequests(stack.emulator, 'DELETE');
  const times = runs.map((run) => {
    const group = groupNames(run.jobId, 1)[0]!;
    return {
      jobId: run.jobId,
      startedAt: run.startedAt,
      signalSentAt: run.signalSentAt.get(group) ?? Number.NaN,
      createRequestAt: creates.get(group)?.time ?? Number.NaN,
      deleteRequestAt: deletes.get(group)?.time ?? Number.NaN,
    };
  });
  return {
    runs: runs.length,
    concurrency,
    runMs,
    startToCreateMs: distribution(times.map((t) => t.createRequestAt - t.startedAt)),
    completionToDeleteMs: distribution(times.map((t) => t.deleteRequestAt - t.signalSentAt)),
    startToCreateBreakdown: await startToCreateBreakdown(stack.client, times),
    completionToDeleteBreakdown: await completionToDeleteBreakdown(stack.client, times),
  };
}
