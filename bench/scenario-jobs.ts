/**
 * Jobs of the issue 14 and 17 scenarios, submitted through the project's job client: the bench's sleeping
 * image, a spec as the scenario sets it (the spec's own defaults otherwise: the product as shipped), and the
 * containers played by the bench (each reports `runMs` after it is first seen Running, with an optional
 * message), or by nobody (`runMs` absent: the runs wait).
 */
import type { JobRef } from '../src/client';
import { preciseNow } from '../dev/emulator/time';
import { parseJobSpec, type JobSpecInput, type SubmittedJobSpec } from '../src/shared/job-spec';
import { completionSignal, type JobSummary } from '../src/shared/messages';
import { containerGroupName, runWorkflowId } from '../src/shared/names';
import { BENCH_COMMAND, BENCH_IMAGE } from './containers';
import type { ScenarioStack } from './scenario-stack';
import { BENCH_RESOURCE_GROUP } from './worker-child';

export interface ScenarioJob {
  tenant: string;
  jobId: string;
  instances: number;
  maxParallel: number;
  /** each container reports this long after it runs; absent: nobody reports */
  runMs?: number;
  /** the completion report's message */
  message?: string;
  /** spec fields (placement, cpu, logTailLines, monitorInterval, ...) over the bench's */
  spec?: Partial<JobSpecInput>;
}

export interface SubmittedScenarioJob {
  job: ScenarioJob;
  ref: JobRef;
  /** just before the start call */
  startedAt: number;
  /** by instance index: when its completion signal was sent */
  signalSentAt: Map<number, number>;
  /** completion signals that failed */
  failures: unknown[];
}

export function scenarioSpec(job: ScenarioJob): SubmittedJobSpec {
  const placed = job.spec?.placement !== undefined;
  return parseJobSpec({
    tenant: job.tenant,
    jobId: job.jobId,
    image: BENCH_IMAGE,
    command: BENCH_COMMAND,
    cpu: 0.1,
    memoryGB: 0.1,
    instances: job.instances,
    maxParallel: job.maxParallel,
    // placement names pools, which carry their resource group
    ...(!placed && { resourceGroup: BENCH_RESOURCE_GROUP }),
    monitorInterval: '30s',
    timeLimit: '30m',
    onFailure: { action: 'delete' },
    ...job.spec,
  }) as SubmittedJobSpec;
}

export async function submitScenarioJob(
  stack: ScenarioStack,
  job: ScenarioJob,
): Promise<SubmittedScenarioJob> {
  const signalSentAt = new Map<number, number>();
  const failures: unknown[] = [];
  const { runMs } = job;
  if (runMs !== undefined) {
    for (let index = 0; index < job.instances; index++) {
      stack.containers.expect(containerGroupName(job.tenant, job.jobId, index), runMs, () => {
        signalSentAt.set(index, preciseNow());
        stack.client.workflow
          .getHandle(runWorkflowId(job.tenant, job.jobId, index))
          .signal(completionSignal, {
            status: 'Completed',
            exitCode: 0,
            ...(job.message !== undefined && { message: job.message }),
            reportId: 'bench-done',
          })
          .catch((error: unknown) => failures.push(error));
      });
    }
  }
  const startedAt = preciseNow();
  const { ref } = await stack.jobs.submit(scenarioSpec(job));
  return { job, ref, startedAt, signalSentAt, failures };
}

/** The job's summary; throws unless every run succeeded. */
export async function awaitScenarioJob(
  stack: ScenarioStack,
  submitted: SubmittedScenarioJob,
): Promise<JobSummary> {
  const summary = await stack.jobs.result(submitted.ref);
  if (submitted.failures.length > 0) {
    throw new Error(`completion signals failed: ${String(submitted.failures[0])}`);
  }
  if (summary.succeeded !== submitted.job.instances) {
    throw new Error(
      `job ${submitted.job.jobId}: ${summary.succeeded}/${submitted.job.instances} runs succeeded (${summary.outcome})`,
    );
  }
  return summary;
}

/** Submits a job and waits for its summary (every run must succeed). */
export async function runScenarioJob(
  stack: ScenarioStack,
  job: ScenarioJob,
): Promise<{ submitted: SubmittedScenarioJob; summary: JobSummary; finishedAt: number }> {
  const submitted = await submitScenarioJob(stack, job);
  const summary = await awaitScenarioJob(stack, submitted);
  return { submitted, summary, finishedAt: preciseNow() };
}

/** The run workflow ids of a job's instances. */
export function runIds(job: Pick<ScenarioJob, 'tenant' | 'jobId' | 'instances'>): string[] {
  return Array.from({ length: job.instances }, (_, index) => runWorkflowId(job.tenant, job.jobId, index));
}

/** The group names of a job's instances, lower-cased as the emulator's request log compares them. */
export function groupsOf(job: Pick<ScenarioJob, 'tenant' | 'jobId' | 'instances'>): string[] {
  return Array.from({ length: job.instances }, (_, index) =>
    containerGroupName(job.tenant, job.jobId, index).toLowerCase(),
  );
}
