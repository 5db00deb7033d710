/**
 * Issue 17: CPU per container run, by process, at zero latency: many jobs at once (as the throughput
 * scenario), on the code as it stands, in two configurations side by side:
 *
 * - `as shipped`: admission on (the capacity ledger), the log archive on (Azurite), the spec's defaults
 *   (`logTailLines` 50): what the targets hold for;
 * - `bare`: admission off, no archive, `logTailLines: 0`: what the 2026-11-24 numbers measured (before the
 *   ledger and the archive existed).
 *
 * Each has its own emulator (containers without processes) and worker. Also per run, from a sample of the
 * histories: events, workflow tasks, activities by type; and the job's and the ledger's share.
 */
import { preciseNow } from '../../dev/emulator/time';
import { capacityConfigSchema } from '../../src/capacity/config';
import { jobWorkflowId } from '../../src/shared/names';
import { perRunMs, withCpu, type CpuByProcess } from '../cpu-usage';
import { historyCounts, type HistoryCounts } from '../history-stats';
import { benchJobId } from '../jobs';
import { ledgerStats } from '../ledger-stats';
import type { CpuPerRunPlan } from '../options';
import { startScenarioStack, terminateOpenWorkflows } from '../scenario-stack';
import { runIds, runScenarioJob, type ScenarioJob } from '../scenario-jobs';
import type { BenchTemporal } from '../temporal';
import { emulatorAccount, unlimitedAccount } from '../account-limits';

export type CpuVariant = 'as shipped' | 'bare';

const LIMITS = unlimitedAccount();

/** run workflows whose histories are read */
const HISTORY_SAMPLE = 50;

export interface CpuVariantResult {
  variant: CpuVariant;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  cpuMsPerRun: CpuByProcess;
  /** per run workflow */
  runHistory: HistoryCounts;
  /** the jobs' events and workflow tasks, per run */
  jobShare: { events: number; workflowTasks: number };
  /** with admission: the ledger's events and workflow tasks per run (the warm-up's included) */
  ledgerShare?: { events: number; workflowTasks: number };
  worker: { peakRssMb: number; cpuSeconds: number };
}

export interface CpuPerRunResult {
  plan: CpuPerRunPlan;
  variants: CpuVariantResult[];
}

export async function measureCpuPerRun(
  plan: CpuPerRunPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
): Promise<CpuPerRunResult> {
  const variants: CpuVariantResult[] = [];
  for (const variant of ['as shipped', 'bare'] as const) {
    const shipped = variant === 'as shipped';
    progress(`CPU per run: ${variant}, ${plan.jobs} jobs × ${plan.instances} runs at once`);
    const stack = await startScenarioStack(
      {
        label: `cpu-${shipped ? 'shipped' : 'bare'}`,
        emulator: {
          latency: 'instant',
          ...emulatorAccount(LIMITS),
          readBucket: false,
          containerRuntime: 'inert',
        },
        storage: shipped,
        pollIntervalMs: 50,
        capacity: capacityConfigSchema.parse({ admission: shipped, defaults: { limits: LIMITS } }),
      },
      temporal,
      bundlePath,
    );
    let measured: Omit<CpuVariantResult, 'worker'>;
    try {
      const spec = shipped ? {} : { logTailLines: 0 };
      const job = (label: string | number, instances: number): ScenarioJob => ({
        tenant: 'cpu',
        jobId: benchJobId('cpu', shipped ? 'shipped' : 'bare', label),
        instances,
        maxParallel: instances,
        runMs: plan.runMs,
        spec,
      });
      // the first job pays for cold caches (and starts the ledger): not measured
      await runScenarioJob(stack, job('warmup', 1));
      const jobs = Array.from({ length: plan.jobs }, (_, i) => job(i, plan.instances));
      const startedAt = preciseNow();
      const { cpu } = await withCpu(stack.processes, () =>
        Promise.all(jobs.map((each) => runScenarioJob(stack, each))),
      );
      const seconds = (preciseNow() - startedAt) / 1000;
      const runs = plan.jobs * plan.instances;
      const all = jobs.flatMap((each) => runIds(each));
      const step = Math.max(1, Math.floor(all.length / HISTORY_SAMPLE));
      const jobHistory = await historyCounts(
        stack.client,
        jobs.map((each) => jobWorkflowId(each.tenant, each.jobId)),
      );
      measured = {
        variant,
        runs,
        seconds,
        runsPerSecond: runs / seconds,
        cpuMsPerRun: perRunMs(cpu, runs),
        runHistory: await historyCounts(
          stack.client,
          all.filter((_, i) => i % step === 0),
        ),
        jobShare: {
          events: (jobHistory.events * jobs.length) / runs,
          workflowTasks: (jobHistory.workflowTasks * jobs.length) / runs,
        },
      };
      if (shipped) {
        const ledger = await ledgerStats(stack.client, stack.taskQueue);
        measured.ledgerShare = {
          events: ledger.events / (runs + 1),
          workflowTasks: ledger.workflowTasks.count / (runs + 1),
        };
      }
      await terminateOpenWorkflows(stack, 'the bench scenario is over');
    } catch (error) {
      await terminateOpenWorkflows(stack, 'the bench scenario failed').catch(() => undefined);
      await stack.stop().catch(() => undefined);
      throw error;
    }
    const usage = await stack.stop();
    variants.push({
      ...measured,
      worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds },
    });
  }
  return { plan, variants };
}
