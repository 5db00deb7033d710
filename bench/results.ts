/** The benchmark's results, as written to results.json, and the targets checked against them. */
import type { LatencyProfile } from '../dev/emulator';
import type { ThreadProfile } from './cpu-profile';
import type { BenchPlan, ProfileName } from './options';
import type { CapacityResult } from './scenarios/capacity';
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
  /** the capacity scenario, admission on and off (absent with `--only profiles`) */
  capacity?: CapacityResult;
  targets: TargetCheck[];
}

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
  ];
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
