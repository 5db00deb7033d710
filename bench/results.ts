/** The benchmark's results, as written to results.json, and the targets checked against them. */
import type { LatencyProfile } from '../dev/emulator';
import type { ThreadProfile } from './cpu-profile';
import type { BenchPlan, ProfileName } from './options';
import type { ArmRequestsResult } from './scenarios/arm-requests';
import type { BigJobResult } from './scenarios/big-job';
import type { CapacityResult } from './scenarios/capacity';
import type { CpuPerRunResult } from './scenarios/cpu-per-run';
import type { TwoPoolsResult } from './scenarios/two-pools';
import type { WaitingResult } from './scenarios/waiting';
import type { WarmResult } from './scenarios/warm-start';
import type { FanOutResult } from './scenarios/fan-out';
import type { OverheadResult } from './scenarios/overhead';
import type { SignalsResult } from './scenarios/signals';
import type { ThroughputResult } from './scenarios/throughput';

export interface ProfileResults {
  name: ProfileName;
  latency: LatencyProfile;
  pollIntervalMs: number;
  overhead: OverheadResult;
  throughput?: ThroughputResult;
  signals?: SignalsResult;
  fanOut: FanOutResult[];
  worker: { peakRssMb: number; cpuSeconds: number };
  /** with --profile: where the worker's threads spent their time */
  workerCpuProfile?: ThreadProfile[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: not measured in this run (e.g. --quick) */
  met: boolean | null;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    platform: string;
    /** the 1-minute load average when the run began and ended (other processes on a shared machine) */
    loadAverage?: { atStart: number; atEnd: number };
  };
  temporal: string;
  settings: Pick<BenchPlan, 'worker' | 'emulator'>;
  profiles: ProfileResults[];
  /** the capacity scenario, admission on and off (absent unless selected) */
  capacity?: CapacityResult;
  /** the issue 14 and 17 scenarios (each only when `--only` names it) */
  twoPools?: TwoPoolsResult;
  warm?: WarmResult;
  armRequests?: ArmRequestsResult;
  cpuPerRun?: CpuPerRunResult;
  waiting?: WaitingResult;
  bigJob?: BigJobResult;
  targets: TargetCheck[];
}

/** The issue 14 and 17 scenarios' results, for their targets. */
export type ScenarioResults = Pick<BenchResults, 'twoPools' | 'cpuPerRun' | 'waiting' | 'bigJob'>;

/** Durable Functions' figure for external events, per orchestration instance. */
const DURABLE_FUNCTIONS_EVENTS_PER_SECOND = 50;
/** "Well above": at least twice. */
const SIGNALS_TARGET = 2 * DURABLE_FUNCTIONS_EVENTS_PER_SECOND;
const COMPLETION_TO_DELETE_TARGET_MS = 100;
const FAN_OUT_TARGET_RATIO = 1.1;
/** The admission issue's targets, with admission on. */
const CAPACITY_FLOOR_RATIO = 1.05;
const CAPACITY_SHARE_POINTS = 5;

export function checkTargets(
  profiles: ProfileResults[],
  capacity?: CapacityResult,
  quick = false,
  scenarios: ScenarioResults = {},
): TargetCheck[] {
  const zero = profiles.find((profile) => profile.name === 'zero');
  const realistic = profiles.find((profile) => profile.name === 'realistic');
  const median = zero?.overhead.completionToDeleteMs.median;
  const fanOut = realistic?.fanOut.find((result) => result.instances === 1_000);
  const perRun = zero?.signals?.perRun.perSecond;
  return [
    {
      target: `completion signal → delete request, median < ${COMPLETION_TO_DELETE_TARGET_MS} ms (zero latency)`,
      measured: median === undefined ? 'not measured' : `${median.toFixed(1)} ms`,
      met: median === undefined ? null : median < COMPLETION_TO_DELETE_TARGET_MS,
    },
    {
      target: `fan-out of 1,000 instances (realistic latency) within ${FAN_OUT_TARGET_RATIO}x of the raw baseline`,
      measured: fanOut ? `${fanOut.ratio.toFixed(3)}x` : 'not measured (only in the full run)',
      met: fanOut ? fanOut.ratio <= FAN_OUT_TARGET_RATIO : null,
    },
    {
      target: `signals handled by one run ≥ ${SIGNALS_TARGET}/s (Durable Functions: ${DURABLE_FUNCTIONS_EVENTS_PER_SECOND}/s)`,
      measured: perRun === undefined ? 'not measured' : `${perRun.toFixed(0)}/s`,
      met: perRun === undefined ? null : perRun >= SIGNALS_TARGET,
    },
    ...capacityTargets(capacity, quick),
    ...scenarioTargets(scenarios, quick),
  ];
}

/** Issue 14's placement target and issue 17's. */
const TWO_POOLS_FLOOR_RATIO = 1.1;
const CPU_PER_RUN_TARGET_MS = 45;
const RUNS_PER_SECOND_TARGET = 50;
const WAITING_RSS_TARGET_MB = 1024;
const WAITING_CPU_TARGET_PCT = 5;
const BIG_JOB_TARGET = 10_000;

/** Only for the scenarios that ran; judged only in full runs (quick runs are too small to say anything). */
function scenarioTargets(scenarios: ScenarioResults, quick: boolean): TargetCheck[] {
  const judge = (met: boolean) => (quick ? null : met);
  const checks: TargetCheck[] = [];
  const { twoPools, cpuPerRun, waiting, bigJob } = scenarios;
  if (twoPools) {
    for (const v of twoPools.variants) {
      checks.push({
        target: `two pools: a ${twoPools.plan.instances}-instance job (maxParallel ${v.maxParallel}) within ${TWO_POOLS_FLOOR_RATIO}x of the two-pool floor`,
        measured:
          `${v.floorRatio.toFixed(3)}x (${v.makespanSeconds.toFixed(1)} s, floor ${twoPools.floor.seconds.toFixed(1)} s; ` +
          `the pools alone ${twoPools.scheduleSeconds.toFixed(1)} s)`,
        met: judge(v.floorRatio <= TWO_POOLS_FLOOR_RATIO),
      });
    }
  }
  const shipped = cpuPerRun?.variants.find((variant) => variant.variant === 'as shipped');
  if (shipped) {
    const ms = (shipped.cpuMsPerRun.worker ?? 0) + (shipped.cpuMsPerRun['Temporal server'] ?? 0);
    checks.push(
      {
        target: `CPU per container run (server + worker), zero latency, as shipped ≤ ${CPU_PER_RUN_TARGET_MS} ms`,
        measured:
          shipped.cpuMsPerRun['Temporal server'] === undefined
            ? 'server not measured'
            : `${ms.toFixed(0)} ms`,
        met: shipped.cpuMsPerRun['Temporal server'] === undefined ? null : judge(ms <= CPU_PER_RUN_TARGET_MS),
      },
      {
        target: `container runs completed/s, zero latency, as shipped ≥ ${RUNS_PER_SECOND_TARGET}`,
        measured: `${shipped.runsPerSecond.toFixed(1)}/s`,
        met: judge(shipped.runsPerSecond >= RUNS_PER_SECOND_TARGET),
      },
    );
  }
  if (waiting) {
    const { extrapolated, memory } = waiting;
    const reached = waiting.waitingRuns >= waiting.plan.runs && waiting.failure === undefined;
    checks.push(
      {
        target: `${waiting.plan.runs.toLocaleString('en-US')} waiting runs on one worker: worker peak RSS ≤ 1 GiB`,
        measured:
          `${memory.workerPeakRssMb.toFixed(0)} MB peak` +
          (memory.workerRssMb === undefined ? '' : `, ${memory.workerRssMb.toFixed(0)} MB`) +
          ` with ${waiting.waitingRuns.toLocaleString('en-US')} waiting` +
          (waiting.failure ? ` (${waiting.failure})` : ''),
        met: judge(reached && memory.workerPeakRssMb <= WAITING_RSS_TARGET_MB),
      },
      {
        target: `waiting runs, nobody reporting, monitors at ${extrapolated?.monitorInterval ?? '30s'} (the read budget's floor): worker + server CPU ≤ ${WAITING_CPU_TARGET_PCT}% of a core`,
        measured: extrapolated
          ? `${extrapolated.workerPlusServerPct.toFixed(0)}% (extrapolated: idle ${waiting.idle?.workerPlusServerPct.toFixed(1)}% ` +
            `+ ${extrapolated.ticksPerSecond.toFixed(0)} ticks/s)`
          : 'not measured (the scenario broke first)',
        met: extrapolated
          ? judge(reached && extrapolated.workerPlusServerPct <= WAITING_CPU_TARGET_PCT)
          : null,
      },
    );
  }
  if (bigJob) {
    checks.push({
      target: `largest job: ${BIG_JOB_TARGET.toLocaleString('en-US')} instances with ${bigJob.messageChars}-character messages completes`,
      measured: bigJob.completed
        ? `${bigJob.plan.instances.toLocaleString('en-US')} completed`
        : `${bigJob.ending} after ${bigJob.runsFinished.toLocaleString('en-US')} of ${bigJob.plan.instances.toLocaleString('en-US')} runs: ${bigJob.failure?.message ?? ''}`,
      met: judge(bigJob.completed && bigJob.plan.instances >= BIG_JOB_TARGET),
    });
  }
  return checks;
}

/** Checked only in the full run: the quick run's account (4 cores, 8 runs) is too small to say anything. */
function capacityTargets(capacity: CapacityResult | undefined, quick: boolean): TargetCheck[] {
  const measured = capacity !== undefined && !quick;
  const on = capacity?.on;
  const off = capacity?.off;
  const notMeasured = 'not measured';
  return [
    {
      target: `capacity: makespan with admission within ${CAPACITY_FLOOR_RATIO}x of the floor the account's budgets allow`,
      measured:
        capacity && on && off
          ? `${on.floorRatio.toFixed(3)}x (${on.makespanSeconds.toFixed(1)} s, floor ${capacity.floor.seconds.toFixed(1)} s; ` +
            `admission off: ${off.floorRatio.toFixed(2)}x)`
          : notMeasured,
      met: measured && on ? on.floorRatio <= CAPACITY_FLOOR_RATIO : null,
    },
    {
      target: 'capacity: 0 throttled creates (429) with admission',
      measured:
        on && off
          ? `${on.creates.throttled} (and ${on.creates.quotaRefused} quota refusals); ` +
            `admission off: ${off.creates.throttled} throttled, ${off.creates.quotaRefused} quota refusals`
          : notMeasured,
      met: measured && on ? on.creates.throttled === 0 : null,
    },
    {
      target: `capacity: per-tenant shares under contention within ${CAPACITY_SHARE_POINTS} points of the weights, with admission`,
      measured:
        on && off
          ? `${on.shares.maxDeviationPoints.toFixed(1)} points at most (${sharesText(on)}; Jain ${on.shares.jain.toFixed(3)}); ` +
            `admission off: ${off.shares.maxDeviationPoints.toFixed(1)} points`
          : notMeasured,
      met: measured && on ? on.shares.maxDeviationPoints <= CAPACITY_SHARE_POINTS : null,
    },
  ];
}

function sharesText(side: CapacityResult['on']): string {
  return side.shares.tenants
    .map((t) => `${t.tenant} ${t.sharePct.toFixed(1)}% for ${t.weightSharePct.toFixed(0)}%`)
    .join(', ');
}
