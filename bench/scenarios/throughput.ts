/**
 * Throughput: many jobs at once, every container reporting as soon as it runs; container runs completed per
 * second, and the CPU time each run cost by process (what bounds the rate on a given machine).
 */
import { preciseNow } from '../../dev/emulator/time';
import { perRunMs, withCpu, type CpuByProcess } from '../cpu-usage';
import { benchJobId, runJob } from '../jobs';
import type { ProfileStack } from '../profile-stack';

export interface ThroughputResult {
  jobs: number;
  instancesPerJob: number;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  cpuMsPerRun: CpuByProcess;
}

export async function measureThroughput(
  stack: ProfileStack,
  plan: { jobs: number; instances: number; runMs: number },
): Promise<ThroughputResult> {
  const startedAt = preciseNow();
  const { cpu } = await withCpu(stack.processes, () =>
    Promise.all(
      Array.from({ length: plan.jobs }, (_, i) =>
        runJob(stack, {
          jobId: benchJobId('throughput', stack.plan.name, i),
          instances: plan.instances,
          maxParallel: plan.instances,
          runMs: plan.runMs,
        }),
      ),
    ),
  );
  const seconds = (preciseNow() - startedAt) / 1000;
  const runs = plan.jobs * plan.instances;
  return {
    jobs: plan.jobs,
    instancesPerJob: plan.instances,
    runs,
    seconds,
    runsPerSecond: runs / seconds,
    cpuMsPerRun: perRunMs(cpu, runs),
  };
}
