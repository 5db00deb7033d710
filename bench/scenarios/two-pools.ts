/**
 * Issue 14: one job spread over two capacity pools of the same limits (two regions of the emulator's
 * subscription, each an account of the capacity scenario's size and compressed windows), admission on. The
 * makespan against the two-pool floor computed as the capacity scenario computes its own (creates, group
 * slots, cores), and against the schedule the pools allow with nothing lost around the runs (group slots and
 * create windows together); where the time above it goes: the start, the handoff from a delete to the next
 * create in a pool, the lag of each create behind the moment its pool allowed it, each run's path through
 * admission (its history), the end. Each job window (`maxParallel`) of the plan runs on fresh pools (a fresh
 * emulator and worker): all at once, as the issue states it, and as wide as the pools' group slots.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLogEntry } from '../../dev/emulator';
import { preciseNow } from '../../dev/emulator/time';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { capacityConfigSchema } from '../../src/capacity/config';
import type { JobSummary } from '../../src/shared/messages';
import { runWorkflowId } from '../../src/shared/names';
import {
  deleteToNextCreate,
  nextCreateAt,
  poolsFloor,
  simulatePools,
  utilisation,
  type CapacityFloor,
  type CreateWindow,
  type RunRecord,
} from '../capacity-analysis';
import { admittedRunTimes, type AdmittedRunTimes } from '../history-stats';
import { benchJobId } from '../jobs';
import { ledgerStats, spread, type LedgerStats, type Spread } from '../ledger-stats';
import { inPool } from '../pool';
import type { TwoPoolsPlan } from '../options';
import { startScenarioStack, terminateOpenWorkflows, type ScenarioStack } from '../scenario-stack';
import { runScenarioJob } from '../scenario-jobs';
import { distribution, type Distribution } from '../stats';
import type { BenchTemporal } from '../temporal';
import { emulatorAccount } from '../account-limits';
import { firstSuccessByGroup } from '../arm-request-kinds';

const TENANT = 'placement';
const FIVE_MINUTES_MS = 5 * 60_000;
const HOUR_MS = 60 * 60_000;
const USAGE_SAMPLE_MS = 100;

export interface PoolSide {
  region: string;
  /** runs whose result names this pool */
  runs: number;
  creates: { requests: number; throttled: number; quotaRefused: number };
  /** cores held / cores, first submit → the pool's last create */
  utilisation: number;
  /** the pool's last successful create, s from the submit */
  lastCreateSeconds: number;
  deleteToNextCreateMs: Distribution;
  /**
   * each create's lag behind the moment its pool allowed it (a group slot free, by the deletes the emulator
   * saw, and room in both create windows, given the creates before it), ms
   */
  createLagMs: Distribution;
}

/** Each run's path through admission, from the histories (server times) and the submit. */
export interface RunPath {
  submitToStarted: Spread;
  startedToFirstTask: Spread;
  /** the container's completion signal → the ledger's delete token at the run */
  completionToDeleteToken: Spread;
  /** of which: the run's own work first (the log archive's last read, the log tail), then the ledger's answer */
  completionToDeleteRequest: Spread;
  deleteRequestToToken: Spread;
  deleteTokenToDeleteScheduled: Spread;
  deleteScheduledToDeleted: Spread;
  /** the group deleted → the run's release signal sent */
  deletedToReleased: Spread;
}

export interface TwoPoolsVariant {
  maxParallel: number;
  makespanSeconds: number;
  floorRatio: number;
  scheduleRatio: number;
  /** submit → the first successful create, and → the last run workflow's start, s */
  firstCreateSeconds: number;
  runsStartedSeconds: number;
  /** the last delete → the job's result at the client, s */
  lastDeleteToResultSeconds: number;
  /** the last create → the last delete (the last runs, their deletes), s */
  lastCreateToLastDeleteSeconds: number;
  pools: PoolSide[];
  /** per run: (delete − create) at the emulator minus its container's run time, ms */
  heldBeyondRunMs: Distribution;
  /** requests answered 429 other than creates */
  otherThrottled: number;
  path: RunPath;
  /** the admission ledger's refreshes, delete tokens and workflow tasks, from its histories */
  ledger: LedgerStats;
  worker: { peakRssMb: number; cpuSeconds: number };
}

export interface TwoPoolsResult {
  plan: TwoPoolsPlan;
  floor: CapacityFloor;
  /** the pools with nothing lost around the runs (slots and windows together), s */
  scheduleSeconds: number;
  variants: TwoPoolsVariant[];
}

export async function measureTwoPools(
  plan: TwoPoolsPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
  rawDir?: string,
): Promise<TwoPoolsResult> {
  const planned = Array.from({ length: plan.instances }, () => ({ cpu: plan.cpu, runMs: plan.runMs }));
  const floor = poolsFloor(planned, plan.limits, plan.timeScale, plan.regions.length);
  const scheduleSeconds = simulatePools(planned, plan.limits, plan.timeScale, plan.regions.length);
  const variants: TwoPoolsVariant[] = [];
  for (const maxParallel of plan.maxParallel) {
    variants.push(
      await measureVariant(plan, maxParallel, floor, scheduleSeconds, temporal, bundlePath, progress, rawDir),
    );
  }
  return { plan, floor, scheduleSeconds, variants };
}

async function measureVariant(
  plan: TwoPoolsPlan,
  maxParallel: number,
  floor: CapacityFloor,
  scheduleSeconds: number,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
  rawDir: string | undefined,
): Promise<TwoPoolsVariant> {
  const { limits, timeScale } = plan;
  const stack = await startScenarioStack(
    {
      label: 'two-pools',
      emulator: {
        latency: 'instant',
        timeScale,
        ...emulatorAccount(limits),
        // ARM's read bucket stays as in Azure (250, 25/s), as in the capacity scenario
        containerRuntime: 'inert',
      },
      storage: false,
      pollIntervalMs: plan.pollIntervalMs,
      capacity: capacityConfigSchema.parse({
        admission: true,
        ledgerRefresh: plan.ledgerRefresh,
        defaults: { limits, windowScale: timeScale },
      }),
      worker: { retryDelayScale: timeScale, logLevel: 'ERROR' },
    },
    temporal,
    bundlePath,
  );
  let measured: Omit<TwoPoolsVariant, 'worker'>;
  try {
    progress(`two pools: warm-up in ${plan.warmupRegion}`);
    await runScenarioJob(stack, {
      tenant: TENANT,
      jobId: benchJobId('pools', 'warmup'),
      instances: 1,
      maxParallel: 1,
      runMs: 0,
      spec: { cpu: plan.cpu, memoryGB: 0.5, region: plan.warmupRegion },
    });
    progress(
      `two pools: ${plan.instances} runs of ${plan.cpu} core × ${plan.runMs / 1000} s over ${plan.regions.join(' and ')}, ` +
        `maxParallel ${maxParallel}`,
    );
    const job = await runJob(stack, plan, maxParallel, floor, scheduleSeconds, rawDir);
    measured = { ...job, ledger: await ledgerStats(stack.client, stack.taskQueue) };
    await terminateOpenWorkflows(stack, 'the bench scenario is over');
  } catch (error) {
    await terminateOpenWorkflows(stack, 'the bench scenario failed').catch(() => undefined);
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  return { ...measured, worker: { peakRssMb: usage.peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds } };
}

async function runJob(
  stack: ScenarioStack,
  plan: TwoPoolsPlan,
  maxParallel: number,
  floor: CapacityFloor,
  scheduleSeconds: number,
  rawDir: string | undefined,
): Promise<Omit<TwoPoolsVariant, 'worker' | 'ledger'>> {
  const since = preciseNow();
  const usage: Array<{ t: number; groups: number[] }> = [];
  const sampling = setInterval(() => {
    usage.push({
      t: Math.round(preciseNow() - since),
      groups: plan.regions.map(
        (region) => stack.emulator.usage(EMULATOR_SUBSCRIPTION_ID, region).containerGroups,
      ),
    });
  }, USAGE_SAMPLE_MS);
  let summary: JobSummary;
  let finishedAt: number;
  let startedAt: number;
  try {
    ({
      summary,
      finishedAt,
      submitted: { startedAt },
    } = await runScenarioJob(stack, {
      tenant: TENANT,
      jobId: benchJobId('pools', plan.instances, maxParallel),
      instances: plan.instances,
      maxParallel,
      runMs: plan.runMs,
      spec: { cpu: plan.cpu, memoryGB: 0.5, placement: { pools: plan.regions } },
    }));
  } finally {
    clearInterval(sampling);
  }
  const requests = stack.emulator.requests.all().filter((entry) => entry.time >= since);
  const runs = runRecords(summary, requests, plan, since);
  const path = await runPath(
    stack,
    summary.runs.map((run) => runWorkflowId(TENANT, summary.jobId, run.instanceIndex)),
    startedAt,
  );
  const makespanSeconds = (finishedAt - since) / 1000;
  const windows: CreateWindow[] = [
    { windowMs: FIVE_MINUTES_MS * plan.timeScale, max: plan.limits.createsPer5Min },
    { windowMs: HOUR_MS * plan.timeScale, max: plan.limits.createsPerHour },
  ];
  const pools = plan.regions.map((region): PoolSide => {
    const mine = runs.filter((run) => run.region === region);
    const creates = requests.filter((entry) => entry.operation === 'create' && entry.region === region);
    return {
      region,
      runs: summary.runs.filter((run) => run.region === region).length,
      creates: {
        requests: creates.length,
        throttled: creates.filter((entry) => entry.status === 429).length,
        quotaRefused: creates.filter((entry) => entry.code === 'ContainerGroupQuotaReached').length,
      },
      utilisation: utilisation(mine, plan.limits.cores, since),
      lastCreateSeconds: (Math.max(...mine.map((run) => run.createdAt)) - since) / 1000,
      deleteToNextCreateMs: deleteToNextCreate(mine),
      createLagMs: distribution(createLags(mine, plan.limits.groups, windows, since)),
    };
  });
  const lastCreate = Math.max(...runs.map((run) => run.createdAt));
  const lastDelete = Math.max(...runs.map((run) => run.deletedAt));
  if (rawDir) {
    mkdirSync(rawDir, { recursive: true });
    const relative = (time: number) => Math.round(time - since);
    writeFileSync(
      join(rawDir, `two-pools-${maxParallel}.json`),
      `${JSON.stringify({
        regions: plan.regions,
        maxParallel,
        runs: runs.map((run) => ({
          ...run,
          startedAt: relative(run.startedAt),
          createdAt: relative(run.createdAt),
          deletedAt: relative(run.deletedAt),
        })),
        usage,
        makespanMs: relative(finishedAt),
      })}\n`,
    );
  }
  return {
    maxParallel,
    makespanSeconds,
    floorRatio: makespanSeconds / floor.seconds,
    scheduleRatio: makespanSeconds / scheduleSeconds,
    firstCreateSeconds: (Math.min(...runs.map((run) => run.createdAt)) - since) / 1000,
    runsStartedSeconds: (Math.max(...runs.map((run) => run.startedAt)) - since) / 1000,
    lastDeleteToResultSeconds: (finishedAt - lastDelete) / 1000,
    lastCreateToLastDeleteSeconds: (lastDelete - lastCreate) / 1000,
    pools,
    heldBeyondRunMs: distribution(runs.map((run) => run.deletedAt - run.createdAt - run.runMs)),
    otherThrottled: requests.filter((entry) => entry.operation !== 'create' && entry.status === 429).length,
    path,
  };
}

/** Each run's path through admission, from its history: medians and p90s over the runs, ms. */
async function runPath(stack: ScenarioStack, workflowIds: string[], submittedAt: number): Promise<RunPath> {
  const times: AdmittedRunTimes[] = [];
  await inPool(workflowIds.length, 20, async (i) => {
    times.push(await admittedRunTimes(stack.client, workflowIds[i]!));
  });
  const segment = (from: (t: AdmittedRunTimes) => number, to: (t: AdmittedRunTimes) => number): Spread =>
    spread(times.map((t) => to(t) - from(t)).filter((ms) => Number.isFinite(ms)));
  return {
    submitToStarted: segment(
      () => submittedAt,
      (t) => t.started,
    ),
    startedToFirstTask: segment(
      (t) => t.started,
      (t) => t.firstTask,
    ),
    completionToDeleteToken: segment(
      (t) => t.completion,
      (t) => t.deleteGranted,
    ),
    completionToDeleteRequest: segment(
      (t) => t.completion,
      (t) => t.deleteRequested,
    ),
    deleteRequestToToken: segment(
      (t) => t.deleteRequested,
      (t) => t.deleteGranted,
    ),
    deleteTokenToDeleteScheduled: segment(
      (t) => t.deleteGranted,
      (t) => t.deleteScheduled,
    ),
    deleteScheduledToDeleted: segment(
      (t) => t.deleteScheduled,
      (t) => t.deleted,
    ),
    deletedToReleased: segment(
      (t) => t.deleted,
      (t) => t.released,
    ),
  };
}

type PoolRun = RunRecord & { region: string };

/** Each run with its pool's region and its create and delete as the emulator saw them. */
function runRecords(
  summary: JobSummary,
  requests: RequestLogEntry[],
  plan: TwoPoolsPlan,
  since: number,
): PoolRun[] {
  const created = firstSuccessByGroup(requests, 'PUT');
  const deleted = firstSuccessByGroup(requests, 'DELETE');
  return summary.runs.map((run): PoolRun => {
    const group = run.groupName.toLowerCase();
    const createdAt = created.get(group);
    const deletedAt = deleted.get(group);
    if (createdAt === undefined || deletedAt === undefined || run.region === undefined) {
      throw new Error(`two pools: no create, delete or region for ${run.groupName}`);
    }
    return {
      tenant: TENANT,
      jobId: summary.jobId,
      index: run.instanceIndex,
      cpu: plan.cpu,
      runMs: plan.runMs,
      startedAt: Math.max(since, Date.parse(run.startedAt)),
      createdAt,
      deletedAt,
      region: run.region,
    };
  });
}

/**
 * For each create of a pool (in order), how long after the pool allowed it it came: allowed = the later of a
 * free group slot (the (k − groups)-th delete of the pool, by the emulator's log) and room in both windows
 * given the creates before it (as ACI counts). The runs all wait from the start, so any lag is the system's.
 */
function createLags(runs: PoolRun[], groups: number, windows: CreateWindow[], since: number): number[] {
  const creates = runs.map((run) => run.createdAt).sort((a, b) => a - b);
  const deletes = runs.map((run) => run.deletedAt).sort((a, b) => a - b);
  const lags: number[] = [];
  creates.forEach((createdAt, k) => {
    const slotFreeAt = k < groups ? since : deletes[k - groups]!;
    const before = creates.slice(0, k).map((time) => time - since);
    const windowAt = since + nextCreateAt(before, windows, slotFreeAt - since);
    lags.push(createdAt - Math.max(slotFreeAt, windowAt));
  });
  return lags;
}
