/**
 * Issue 17: many runs waiting at once on one worker. Several jobs (at most 1,000 runs each, maxParallel = their
 * size) start their runs, each creates its group and then waits for a report nobody sends; the emulator's
 * containers are records, not processes (`containerRuntime: 'inert'`), and its limits are raised. The worker
 * has the shipped limits (src/worker.ts: 100 activities, 40 workflow tasks, 1,000 cached workflows), admission
 * and the log archive are on.
 *
 * 1. Ramp: how long the runs take to be waiting, with the worker's and the server's memory along the way.
 * 2. Idle: the waiting runs' monitors are set longer than the observation (`idleMonitorInterval`), so what the
 *    worker and the server spend while nobody reports and no monitor ticks is measured on its own.
 * 3. Ticks: a smaller set of runs (on top) whose monitors tick at `tick.monitorInterval`, observed over a few
 *    intervals: the CPU of a tick (above the idle rate), and its ARM reads.
 * 4. The waiting runs at the interval they would tick at (the spec's default, 30 s, or the floor that keeps
 *    their pool within ACI's read budget: 1,600 s for 10,000 runs that archive their log) is then idle +
 *    ticks/s × the cost of a tick: an extrapolation (said in the report).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preciseNow } from '../../dev/emulator/time';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { ACI_DEFAULT_LIMITS, capacityConfigSchema, minMonitorIntervalMs } from '../../src/capacity/config';
import { durationMs } from '../../src/shared/duration';
import { loadWorkerConfig } from '../../src/worker';
import { ledgerWorkflowId } from '../../src/shared/capacity';
import { temporal } from '@temporalio/proto';
import { countByKind, type ArmRequestKind } from '../arm-request-kinds';
import { cpuBetween, cpuNow, rssBytesOf, type CpuByProcess } from '../cpu-usage';
import { benchJobId } from '../jobs';
import type { WaitingPlan } from '../options';
import { startScenarioStack, terminateRunsFirst, type ScenarioStack } from '../scenario-stack';
import { submitScenarioJob, type ScenarioJob } from '../scenario-jobs';
import type { BenchTemporal } from '../temporal';
import { emulatorAccount, unlimitedAccount } from '../account-limits';

const TENANT = 'waiting';
const REGION = 'eastus';
/** the spec's default monitorInterval */
const CONFIGURED_INTERVAL = '30s';
/**
 * The interval the waiting runs' monitors would tick at in production: the spec's default, or the floor that
 * keeps a pool of that many groups within ACI's read budget (25 reads/s per region, half of it for monitors by
 * default, `monitorReadShare`), twice as long where the archive reads the log each tick (as here): the issue's
 * "at its configured interval, within the read budget".
 */
function productionIntervalSeconds(runs: number): number {
  const floorMs = minMonitorIntervalMs({
    limits: { ...ACI_DEFAULT_LIMITS, groups: runs },
    monitorReadShare: 0.5,
  });
  return Math.max(durationMs(CONFIGURED_INTERVAL), 2 * floorMs) / 1000;
}
/** the target for worker + server CPU while nobody reports, share of one core */
const TARGET_SHARE = 0.05;
/** progress is sampled this often during the ramp */
const SAMPLE_MS = 5_000;
/**
 * no new group for this long: the ramp has stalled. Long, since with 10,000 runs starting at once the dev
 * server's queues fell minutes behind (the ledger's workflow task waited 7.5 minutes to be delivered, before
 * the first grants in one run and after the first five in another), and the ramp went on after
 */
const STALL_MS = 12 * 60_000;
/** the ramp is cut here (the runs reached so far are measured) */
const RAMP_LIMIT_MS = 45 * 60_000;
/** waiting is settled once no container group request came for this long */
const QUIET_MS = 10_000;
/** CPU is also read in slots this long within an observation */
const SLOT_MS = 5_000;
/** nothing submitted yet: what the worker and the server spend on their own */
const BASELINE_MS = 30_000;

export interface Observation {
  seconds: number;
  /**
   * worker + server, % of one core, in each slot of SLOT_MS: the median is the rate between the ledger's
   * refreshes (every 2 minutes, each checks every lease held: see the report)
   */
  slotsPct: number[];
  /** when the ledger's refreshes read ACI's usage, s into the window */
  refreshesAt: number[];
  cpuSeconds: CpuByProcess;
  /** CPU over the window, % of one core, by process */
  cpuPctOfCore: CpuByProcess;
  /** worker + server, % of one core */
  workerPlusServerPct: number;
  /** ARM requests in the window, by kind */
  arm: Record<ArmRequestKind | 'all', number>;
}

export interface WaitingResult {
  plan: WaitingPlan;
  workerLimits: { activities: number; workflowTasks: number; cachedWorkflows: number };
  /** runs waiting when measured (the plan's, unless the ramp stalled or was cut) */
  waitingRuns: number;
  /** submit → the last group's create; runs/s over that */
  ramp: { seconds: number; runsPerSecond: number; stopped?: string };
  /** what broke the scenario (the worker process died): nothing after the ramp was measured */
  failure?: string;
  /** the admission ledger's workflow task failing during the ramp: its cause and message, word for word */
  ledgerFailure?: string;
  memory: {
    /** the worker before anything was submitted, MB */
    workerEmptyRssMb: number;
    /** worker, once all wait, MB: resident, V8 heap used (main thread only), external + array buffers */
    workerRssMb?: number;
    workerHeapUsedMb?: number;
    workerExternalMb?: number;
    /** the largest worker RSS sampled (every 5 s) during the ramp, MB */
    workerSampledPeakRssMb: number;
    /** the worker's peak (its resourceUsage at exit; NaN when it died), MB */
    workerPeakRssMb: number;
    /** the Temporal server's resident set once all wait, MB (when the bench started it) */
    serverRssMb?: number;
  };
  /** before anything was submitted (no runs, no ledger yet) */
  empty: Observation;
  idle?: Observation;
  tick?: Observation & {
    runs: number;
    monitorInterval: string;
    /** monitor ticks in the window (their state reads at the emulator) */
    ticks: number;
    /** CPU per tick above the idle rate, ms, by process */
    cpuMsPerTick: CpuByProcess;
  };
  /** the waiting runs ticking at the spec's default interval, from the measured parts */
  extrapolated?: {
    runs: number;
    monitorInterval: string;
    ticksPerSecond: number;
    workerPlusServerPct: number;
    /** the interval at which these runs' ticks would keep worker + server at the target, s */
    intervalForTargetSeconds: number;
  };
  worker: { peakRssMb: number; cpuSeconds: number };
}

export async function measureWaiting(
  plan: WaitingPlan,
  temporal: BenchTemporal,
  bundlePath: string,
  progress: (message: string) => void,
  rawDir?: string,
): Promise<WaitingResult> {
  const shipped = loadWorkerConfig({}).limits;
  const capacity = plan.runs + plan.tick.runs + 100;
  const limits = unlimitedAccount(capacity);
  const stack = await startScenarioStack(
    {
      label: 'waiting',
      emulator: {
        latency: 'instant',
        ...emulatorAccount(limits),
        readBucket: false,
        containerRuntime: 'inert',
        requestLogLimit: 1_000_000,
      },
      storage: true,
      pollIntervalMs: 50,
      capacity: capacityConfigSchema.parse({ defaults: { limits } }),
      worker: {
        maxConcurrentActivityTaskExecutions: shipped.maxConcurrentActivityTaskExecutions,
        maxConcurrentWorkflowTaskExecutions: shipped.maxConcurrentWorkflowTaskExecutions,
        maxCachedWorkflows: plan.maxCachedWorkflows ?? shipped.maxCachedWorkflows,
      },
    },
    temporal,
    bundlePath,
  );
  let measured: Measured;
  try {
    measured = await measure(stack, plan, progress, rawDir);
    measured.workerLimits = {
      activities: shipped.maxConcurrentActivityTaskExecutions,
      workflowTasks: shipped.maxConcurrentWorkflowTaskExecutions,
      cachedWorkflows: plan.maxCachedWorkflows ?? shipped.maxCachedWorkflows,
    };
    progress('waiting: terminating the runs and the jobs');
    await terminateRunsFirst(stack);
  } catch (error) {
    await terminateRunsFirst(stack).catch(() => undefined);
    await stack.stop().catch(() => undefined);
    throw error;
  }
  const usage = await stack.stop();
  // a worker that died reports no usage: the largest sample stands in
  const peakRssMb = Number.isNaN(usage.peakRssBytes)
    ? measured.memory.workerSampledPeakRssMb
    : usage.peakRssBytes / 2 ** 20;
  return {
    ...measured,
    memory: { ...measured.memory, workerPeakRssMb: peakRssMb },
    worker: { peakRssMb, cpuSeconds: usage.cpuSeconds },
  };
}

type Measured = Omit<WaitingResult, 'worker' | 'memory'> & {
  memory: Omit<WaitingResult['memory'], 'workerPeakRssMb'>;
};

/** The ledger's workflow task failing (attempt > 1): its last failure's cause and message; else undefined. */
const FORCE_CLOSE =
  temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND;

async function ledgerTrouble(stack: ScenarioStack): Promise<string | undefined> {
  const handle = stack.client.workflow.getHandle(ledgerWorkflowId(stack.taskQueue));
  const description = await handle.describe().catch(() => undefined);
  const attempt = description?.raw.pendingWorkflowTask?.attempt ?? 0;
  if (attempt <= 1) return undefined;
  const events = (await handle.fetchHistory()).events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const failed = events[i]!.workflowTaskFailedEventAttributes;
    if (!failed) continue;
    const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0];
    // signals came while the ledger continued as new: the server retries the task with them, not a fault
    if (failed.cause === FORCE_CLOSE) return undefined;
    return `${cause}: ${failed.failure?.message ?? ''} (attempt ${attempt})`;
  }
  return `its workflow task at attempt ${attempt}`;
}

async function measure(
  stack: ScenarioStack,
  plan: WaitingPlan,
  progress: (message: string) => void,
  rawDir: string | undefined,
): Promise<Measured> {
  const groupsNow = () => stack.emulator.usage(EMULATOR_SUBSCRIPTION_ID, REGION).containerGroups;
  const serverPid = stack.processes['Temporal server'];
  const timeline: Array<{
    t: number;
    groups: number;
    workerRssMb?: number;
    serverRssMb?: number;
    cpu: CpuByProcess;
  }> = [];
  const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);

  // 0. nothing submitted: the worker's and the server's own cost, and the worker's memory
  progress(`waiting: the worker with nothing to do, ${BASELINE_MS / 1000} s`);
  const empty = await observe(
    stack,
    plan.observeSeconds === 0 ? 0 : Math.min(BASELINE_MS, plan.observeSeconds * 1_000),
  );
  const memoryEmpty = await stack.workerMemory();

  // 1. the ramp: every job's runs start at once and wait, nobody reports
  progress(`waiting: ${plan.runs} runs in ${plan.jobs} jobs, monitors every ${plan.idleMonitorInterval}`);
  const perJob = Math.ceil(plan.runs / plan.jobs);
  const began = preciseNow();
  for (let i = 0; i < plan.jobs; i++) {
    const instances = Math.min(perJob, plan.runs - i * perJob);
    if (instances <= 0) break;
    await submitScenarioJob(stack, job(`idle-${i}`, instances, plan.idleMonitorInterval));
  }
  let stopped: string | undefined;
  let failure: string | undefined;
  let ledgerFailure: string | undefined;
  let lastGrowth = preciseNow();
  let last = 0;
  for (;;) {
    await sleep(SAMPLE_MS);
    const groups = groupsNow();
    const now = preciseNow();
    timeline.push({
      t: Math.round(now - began),
      groups,
      workerRssMb: mb(rssBytesOf(stack.workerPid)),
      serverRssMb: mb(rssBytesOf(serverPid)),
      cpu: cpuNow(stack.processes),
    });
    if (groups > last) {
      last = groups;
      lastGrowth = now;
      if (timeline.length % 6 === 0) progress(`waiting: ${groups} of ${plan.runs} groups made`);
    }
    if (groups >= plan.runs) break;
    const exit = stack.workerExit();
    if (exit) {
      failure = `the worker process died (exit code ${exit.code}, signal ${exit.signal}) at ${groups} groups`;
      stopped = failure;
      break;
    }
    if (timeline.length % 6 === 0) ledgerFailure = (await ledgerTrouble(stack)) ?? ledgerFailure;
    if (now - lastGrowth > STALL_MS) {
      stopped = `no new group for ${STALL_MS / 1000} s at ${groups} groups`;
      break;
    }
    if (now - began > RAMP_LIMIT_MS) {
      stopped = `cut after ${RAMP_LIMIT_MS / 60_000} minutes at ${groups} groups`;
      break;
    }
  }
  const waitingRuns = groupsNow();
  ledgerFailure = (await ledgerTrouble(stack).catch(() => undefined)) ?? ledgerFailure;
  const sampledPeak = Math.max(...timeline.map((sample) => sample.workerRssMb ?? 0));
  if (failure) {
    progress(`waiting: ${failure}`);
    return {
      plan,
      workerLimits: { activities: 0, workflowTasks: 0, cachedWorkflows: 0 },
      waitingRuns,
      ramp: {
        seconds: (preciseNow() - began) / 1000,
        runsPerSecond: waitingRuns / ((preciseNow() - began) / 1000),
        stopped,
      },
      failure,
      ...(ledgerFailure && { ledgerFailure }),
      memory: { workerEmptyRssMb: memoryEmpty.rss / 2 ** 20, workerSampledPeakRssMb: sampledPeak },
      empty,
    };
  }
  await quiet(stack);
  // to the last successful create: the time to settle after it is not the ramp's
  const lastCreate = stack.emulator.requests
    .all({ method: 'PUT' })
    .filter((entry) => entry.status < 300)
    .reduce((latest, entry) => Math.max(latest, entry.time), began);
  const rampSeconds = (lastCreate - began) / 1000;
  if (stopped) progress(`waiting: the ramp stopped (${stopped}); measuring ${waitingRuns} waiting runs`);
  const memoryNow = await stack.workerMemory();

  // 2. idle: nobody reports, no monitor ticks
  progress(`waiting: ${waitingRuns} runs waiting; observing for ${plan.observeSeconds} s`);
  const idle = await observe(stack, plan.observeSeconds * 1_000);

  // 3. ticks: a smaller set of runs whose monitors tick, on top
  const tickMs = durationMs(plan.tick.monitorInterval);
  progress(`waiting: ${plan.tick.runs} more runs whose monitors tick every ${plan.tick.monitorInterval}`);
  await submitScenarioJob(stack, job('ticking', plan.tick.runs, plan.tick.monitorInterval));
  const deadline = preciseNow() + 600_000;
  while (groupsNow() < waitingRuns + plan.tick.runs) {
    if (preciseNow() > deadline) throw new Error('waiting: the ticking runs never all made their groups');
    await sleep(500);
  }
  // every ticking run's monitor has begun, then the window
  await sleep(tickMs + 2_000);
  const window = await observe(stack, plan.tick.intervals * tickMs);
  const ticks = window.arm['group read (GET)'];
  const idleRate = (name: string) => (idle.cpuSeconds[name] ?? 0) / idle.seconds;
  const cpuMsPerTick: CpuByProcess = {};
  for (const [name, seconds] of Object.entries(window.cpuSeconds)) {
    cpuMsPerTick[name] =
      ticks > 0 ? ((seconds - idleRate(name) * window.seconds) * 1000) / ticks : Number.NaN;
  }

  // 4. the waiting runs at the interval they would tick at
  const configuredSeconds = productionIntervalSeconds(waitingRuns);
  const workerServerTickMs = (cpuMsPerTick.worker ?? 0) + (cpuMsPerTick['Temporal server'] ?? 0);
  const ticksPerSecond = waitingRuns / configuredSeconds;
  const idleShare = idle.workerPlusServerPct / 100;
  const extrapolatedShare = idleShare + (ticksPerSecond * workerServerTickMs) / 1000;
  const affordableTicksPerSecond = Math.max(0, TARGET_SHARE - idleShare) / (workerServerTickMs / 1000);

  if (rawDir) {
    mkdirSync(rawDir, { recursive: true });
    writeFileSync(
      join(rawDir, 'waiting.json'),
      `${JSON.stringify({ plan, timeline, empty, idle, window })}\n`,
    );
  }
  return {
    plan,
    workerLimits: { activities: 0, workflowTasks: 0, cachedWorkflows: 0 }, // set by the caller
    waitingRuns,
    ramp: {
      seconds: rampSeconds,
      runsPerSecond: waitingRuns / rampSeconds,
      ...(stopped && { stopped }),
    },
    ...(ledgerFailure && { ledgerFailure }),
    memory: {
      workerEmptyRssMb: memoryEmpty.rss / 2 ** 20,
      workerSampledPeakRssMb: sampledPeak,
      workerRssMb: memoryNow.rss / 2 ** 20,
      workerHeapUsedMb: memoryNow.heapUsed / 2 ** 20,
      workerExternalMb: (memoryNow.external + memoryNow.arrayBuffers) / 2 ** 20,
      ...(serverPid !== undefined && { serverRssMb: mb(rssBytesOf(serverPid)) }),
    },
    empty,
    idle,
    tick: {
      ...window,
      runs: plan.tick.runs,
      monitorInterval: plan.tick.monitorInterval,
      ticks,
      cpuMsPerTick,
    },
    extrapolated: {
      runs: waitingRuns,
      monitorInterval: `${configuredSeconds}s`,
      ticksPerSecond,
      workerPlusServerPct: 100 * extrapolatedShare,
      intervalForTargetSeconds:
        affordableTicksPerSecond > 0 ? waitingRuns / affordableTicksPerSecond : Infinity,
    },
  };
}

function job(label: string, instances: number, monitorInterval: string): ScenarioJob {
  return {
    tenant: TENANT,
    jobId: benchJobId('wait', label),
    instances,
    maxParallel: instances,
    // nobody reports: the runs wait (within a time limit longer than the scenario)
    spec: { monitorInterval, timeLimit: '24h' },
  };
}

/** Until no container group request has come for QUIET_MS (the last creates are done), at most 5 minutes. */
async function quiet(stack: ScenarioStack): Promise<void> {
  const deadline = preciseNow() + 300_000;
  for (;;) {
    const entries = stack.emulator.requests.all();
    let lastAt = -Infinity;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]!.group === undefined) continue;
      lastAt = entries[i]!.time;
      break;
    }
    const now = preciseNow();
    if (now - lastAt > QUIET_MS || now > deadline) return;
    await sleep(1_000);
  }
}

/** CPU by process (in all, and worker + server per slot) and ARM requests by kind over `ms`. */
async function observe(stack: ScenarioStack, ms: number): Promise<Observation> {
  const since = preciseNow();
  const before = cpuNow(stack.processes);
  const slotsPct: number[] = [];
  let slotStart = before;
  let slotAt = since;
  while (preciseNow() - since < ms) {
    await sleep(Math.min(SLOT_MS, ms - (preciseNow() - since)));
    const now = cpuNow(stack.processes);
    const at = preciseNow();
    const spent = cpuBetween(slotStart, now);
    slotsPct.push((100 * ((spent.worker ?? 0) + (spent['Temporal server'] ?? 0))) / ((at - slotAt) / 1000));
    slotStart = now;
    slotAt = at;
  }
  const after = slotStart;
  const until = slotAt;
  const seconds = (until - since) / 1000;
  const cpuSeconds = cpuBetween(before, after);
  const cpuPctOfCore = Object.fromEntries(
    Object.entries(cpuSeconds).map(([name, spent]) => [name, (100 * spent) / seconds]),
  );
  const inWindow = stack.emulator.requests.all().filter((entry) => entry.time >= since && entry.time < until);
  return {
    seconds,
    slotsPct,
    refreshesAt: inWindow
      .filter((entry) => entry.operation === 'usages')
      .map((entry) => Math.round((entry.time - since) / 100) / 10),
    cpuSeconds,
    cpuPctOfCore,
    workerPlusServerPct: (cpuPctOfCore.worker ?? 0) + (cpuPctOfCore['Temporal server'] ?? 0),
    arm: countByKind(inWindow),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
