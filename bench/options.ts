/**
 * What the benchmark runs: sizes of each scenario, the emulator profiles, and the settings that shape the
 * numbers (stated in the results). `--quick` shrinks everything so CI can check the bench still runs.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LatencyProfile } from '../dev/emulator';
import { LATENCY_PROFILES } from '../dev/emulator';
import { PROJECT_ROOT } from '../dev/temporal-tools';

export type ProfileName = 'zero' | 'realistic';

export interface ProfilePlan {
  name: ProfileName;
  latency: LatencyProfile;
  /** how often the activities and the baseline poll ARM long-running operations */
  pollIntervalMs: number;
  overhead: { jobs: number; concurrency: number; runMs: number };
  /** many concurrent jobs; absent: not measured in this profile */
  throughput?: { jobs: number; instances: number; runMs: number };
  signals?: { perRun: number; sendConcurrency: number; acrossRuns: number };
  fanOut: { sizes: number[]; maxParallel: number; runMs: number };
}

export interface BenchPlan {
  quick: boolean;
  /** write V8 CPU profiles of the worker and summarize them (--profile) */
  profile: boolean;
  outDir: string;
  profiles: ProfilePlan[];
  /** worker settings (the rest are the SDK's and createWorker's defaults) */
  worker: { maxConcurrentActivityTaskExecutions: number };
  /** emulator limits raised so that quotas never throttle a fan-out */
  emulator: { containerGroups: number; cores: number; armRatePerWindow: number };
}

const EMULATOR_LIMITS = { containerGroups: 5_000, cores: 5_000, armRatePerWindow: 1_000_000 };
const WORKER = { maxConcurrentActivityTaskExecutions: 1_000 };

function fullPlan(outDir: string, profile: boolean): BenchPlan {
  return {
    quick: false,
    profile,
    outDir,
    worker: WORKER,
    emulator: EMULATOR_LIMITS,
    profiles: [
      {
        name: 'zero',
        latency: LATENCY_PROFILES.instant,
        pollIntervalMs: 50,
        overhead: { jobs: 50, concurrency: 1, runMs: 300 },
        throughput: { jobs: 20, instances: 25, runMs: 0 },
        signals: { perRun: 1_000, sendConcurrency: 50, acrossRuns: 200 },
        fanOut: { sizes: [10, 100, 1_000], maxParallel: 200, runMs: 0 },
      },
      {
        name: 'realistic',
        latency: LATENCY_PROFILES.realistic,
        pollIntervalMs: 1_000,
        overhead: { jobs: 20, concurrency: 10, runMs: 2_000 },
        fanOut: { sizes: [10, 100, 1_000], maxParallel: 200, runMs: 2_000 },
      },
    ],
  };
}

/** Small enough to finish well under a minute; the realistic profile's latencies are shortened too. */
function quickPlan(outDir: string, profile: boolean): BenchPlan {
  return {
    quick: true,
    profile,
    outDir,
    worker: WORKER,
    emulator: EMULATOR_LIMITS,
    profiles: [
      {
        name: 'zero',
        latency: LATENCY_PROFILES.instant,
        pollIntervalMs: 50,
        overhead: { jobs: 4, concurrency: 1, runMs: 300 },
        throughput: { jobs: 2, instances: 5, runMs: 0 },
        signals: { perRun: 50, sendConcurrency: 25, acrossRuns: 5 },
        fanOut: { sizes: [5], maxParallel: 5, runMs: 0 },
      },
      {
        name: 'realistic',
        latency: { provisioningMs: 1_000, startMs: 500, deleteMs: 250 },
        pollIntervalMs: 250,
        overhead: { jobs: 2, concurrency: 2, runMs: 500 },
        fanOut: { sizes: [5], maxParallel: 5, runMs: 500 },
      },
    ],
  };
}

/** `--quick`, `--profile`, `--out DIR`; anything else is refused. */
export function parsePlan(argv: string[]): BenchPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = values.out ?? join(PROJECT_ROOT, 'bench-results', `${stamp}${values.quick ? '-quick' : ''}`);
  return values.quick ? quickPlan(outDir, values.profile) : fullPlan(outDir, values.profile);
}
