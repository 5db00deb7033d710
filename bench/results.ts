/** The benchmark's results, as written to results.json, and the targets checked against them. */
import type { LatencyProfile } from '../dev/emulator';
import type { ThreadProfile } from './cpu-profile';
import type { BenchPlan, ProfileName } from './options';
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
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  temporal: string;
  settings: Pick<BenchPlan, 'worker' | 'emulator'>;
  profiles: ProfileResults[];
  targets: TargetCheck[];
}

/** Durable Functions' figure for external events, per orchestration instance. */
const DURABLE_FUNCTIONS_EVENTS_PER_SECOND = 50;
/** "Well above": at least twice. */
const SIGNALS_TARGET = 2 * DURABLE_FUNCTIONS_EVENTS_PER_SECOND;
const COMPLETION_TO_DELETE_TARGET_MS = 100;
const FAN_OUT_TARGET_RATIO = 1.1;

export function checkTargets(profiles: ProfileResults[]): TargetCheck[] {
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
  ];
}
