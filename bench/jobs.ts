/**
 * Jobs as the benchmark submits them, through the project's own client library, and their containers'
 * completion signals, each stamped with when it was sent (client side, the emulator's clock).
 */
import { randomBytes } from 'node:crypto';
import { JobClient } from '../src/client';
import { preciseNow } from '../dev/emulator/time';
import { parseJobSpec, type SubmittedJobSpec } from '../src/shared/job-spec';
import { completionSignal, type JobSummary } from '../src/shared/messages';
import { containerGroupName, runWorkflowId } from '../src/shared/names';
import { BENCH_COMMAND, BENCH_IMAGE } from './containers';
import type { ProfileStack } from './profile-stack';
import { BENCH_RESOURCE_GROUP } from './worker-child';

export const BENCH_TENANT = 'bench';

/** Small groups that never fetch logs (the baseline does not either) and are deleted whatever happens. */
export function benchSpec(jobId: string, instances: number, maxParallel: number): SubmittedJobSpec {
  return parseJobSpec({
    tenant: BENCH_TENANT,
    jobId,
    image: BENCH_IMAGE,
    command: BENCH_COMMAND,
    cpu: 0.1,
    memoryGB: 0.1,
    instances,
    maxParallel,
    resourceGroup: BENCH_RESOURCE_GROUP,
    logTailLines: 0,
    monitorInterval: '30s',
    timeLimit: '30m',
    onFailure: { action: 'delete' },
  }) as SubmittedJobSpec;
}

/** e.g. "fanout-zero-100-k3f9a" (a unique job id within the 40 characters allowed) */
export function benchJobId(...parts: Array<string | number>): string {
  return [...parts, randomBytes(3).toString('hex')].join('-');
}

export function groupNames(jobId: string, instances: number): string[] {
  return Array.from({ length: instances }, (_, index) => containerGroupName(BENCH_TENANT, jobId, index));
}

export interface JobRun {
  jobId: string;
  /** client side, just before the start call */
  startedAt: number;
  /** when the result arrived */
  finishedAt: number;
  /** by group name: when its completion signal was sent */
  signalSentAt: Map<string, number>;
  summary: JobSummary;
}

/**
 * Runs a job to its end. With `runMs`, each container reports `runMs` after it runs; without, the caller
 * sends the completion signals (sendCompletion).
 */
export async function runJob(
  stack: ProfileStack,
  options: { jobId: string; instances: number; maxParallel: number; runMs?: number },
): Promise<JobRun> {
  const { jobId, instances, runMs } = options;
  const signalSentAt = new Map<string, number>();
  const failures: unknown[] = [];
  if (runMs !== undefined) {
    groupNames(jobId, instances).forEach((group, index) =>
      stack.containers.expect(group, runMs, () => {
        signalSentAt.set(group, preciseNow());
        sendCompletion(stack, jobId, index).catch((error: unknown) => failures.push(error));
      }),
    );
  }
  const startedAt = preciseNow();
  const jobs = new JobClient(stack.client, { taskQueue: stack.taskQueue });
  const { ref } = await jobs.submit(benchSpec(jobId, instances, options.maxParallel));
  const summary = await jobs.result(ref);
  const finishedAt = preciseNow();
  if (failures.length > 0) throw new Error(`completion signals failed: ${String(failures[0])}`);
  if (summary.succeeded !== instances) {
    throw new Error(`job ${jobId}: ${summary.succeeded}/${instances} runs succeeded (${summary.outcome})`);
  }
  return { jobId, startedAt, finishedAt, signalSentAt, summary };
}

export function sendCompletion(stack: ProfileStack, jobId: string, index: number): Promise<void> {
  return stack.client.workflow
    .getHandle(runWorkflowId(BENCH_TENANT, jobId, index))
    .signal(completionSignal, { status: 'Completed', exitCode: 0, reportId: 'bench-done' });
}
