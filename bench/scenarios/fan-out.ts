/**
 * Fan-out: one job of N instances against the raw baseline (same ARM calls, same concurrency, no Temporal),
 * measured back to back in the same run. Where the difference goes: "slot time outside ARM per run" is the time
 * each of the maxParallel slots spent outside ARM calls per run (wall × slots − Σ create-to-deleted spans,
 * over N); CPU time per run by process; and how long the workflow tasks waited for and took on the worker.
 */
import { jobWorkflowId, runWorkflowId } from '../../src/shared/names';
import { runBaseline } from '../baseline';
import { perRunMs, withCpu, type CpuByProcess } from '../cpu-usage';
import { workflowTaskLatencies } from '../history-breakdown';
import { benchJobId, BENCH_TENANT, groupNames, runJob } from '../jobs';
import type { ProfileStack } from '../profile-stack';
import { armSpansMs } from '../request-times';

export interface FanOutResult {
  instances: number;
  maxParallel: number;
  runMs: number;
  temporalSeconds: number;
  baselineSeconds: number;
  /** Temporal wall time / baseline wall time */
  ratio: number;
  temporalSlotIdleMsPerRun: number;
  baselineSlotIdleMsPerRun: number;
  cpuMsPerRun: { temporal: CpuByProcess; baseline: CpuByProcess };
  /** medians over the job's and up to WORKFLOW_SAMPLE of its runs' workflow tasks */
  workflowTasks: { scheduleToStartMs: number; startToCompleteMs: number };
}

const WORKFLOW_SAMPLE = 50;

export async function measureFanOut(stack: ProfileStack): Promise<FanOutResult[]> {
  const { sizes, maxParallel: cap, runMs } = stack.plan.fanOut;
  const results: FanOutResult[] = [];
  for (const instances of sizes) {
    const maxParallel = Math.min(instances, cap);
    stack.emulator.requests.clear();
    const baseline = await withCpu(stack.processes, () =>
      runBaseline(stack, {
        jobId: benchJobId('raw', stack.plan.name, instances),
        instances,
        concurrency: maxParallel,
        runMs,
      }),
    );
    const job = await withCpu(stack.processes, () =>
      runJob(stack, {
        jobId: benchJobId('fanout', stack.plan.name, instances),
        instances,
        maxParallel,
        runMs,
      }),
    );
    const temporalMs = job.result.finishedAt - job.result.startedAt;
    const idlePerRun = (wallMs: number, jobId: string) => {
      const busyMs = armSpansMs(stack.emulator, groupNames(jobId, instances)).reduce((a, b) => a + b, 0);
      return (wallMs * maxParallel - busyMs) / instances;
    };
    const step = Math.max(1, Math.floor(instances / WORKFLOW_SAMPLE));
    const sampled = Array.from({ length: Math.ceil(instances / step) }, (_, i) =>
      runWorkflowId(BENCH_TENANT, job.result.jobId, i * step),
    );
    results.push({
      instances,
      maxParallel,
      runMs,
      temporalSeconds: temporalMs / 1000,
      baselineSeconds: baseline.result.wallMs / 1000,
      ratio: temporalMs / baseline.result.wallMs,
      temporalSlotIdleMsPerRun: idlePerRun(temporalMs, job.result.jobId),
      baselineSlotIdleMsPerRun: idlePerRun(baseline.result.wallMs, baseline.result.jobId),
      cpuMsPerRun: { temporal: perRunMs(job.cpu, instances), baseline: perRunMs(baseline.cpu, instances) },
      workflowTasks: await workflowTaskLatencies(stack.client, [
        jobWorkflowId(BENCH_TENANT, job.result.jobId),
        ...sampled,
      ]),
    });
  }
  return results;
}
