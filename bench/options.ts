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

/** One job of the capacity scenario: `instances` runs of `cpu` cores; run i's container works `runMs[i % n]`. */
export interface CapacityJobPlan {
  instances: number;
  cpu: number;
  runMs: number[];
  /** the spec's priority: within a tenant, 1 goes first (default: the tenant's, 3) */
  priority?: number;
}

/**
 * The capacity scenario: a small ACI account with compressed create/delete windows, three tenants each with
 * a backlog larger than the account runs at once, run twice (admission on, admission off) on fresh emulators
 * and workers.
 */
export interface CapacityPlan {
  /** the emulator's and the ledger's: 0.02 makes ACI's 5 minutes 6 s and its hour 72 s */
  timeScale: number;
  limits: {
    groups: number;
    cores: number;
    createsPer5Min: number;
    createsPerHour: number;
    deletesPer5Min: number;
    deletesPerHour: number;
  };
  /** how often the ledger reads ACI's usage again (the config's ledgerRefresh) */
  ledgerRefresh: string;
  /** how often the activities poll ARM long-running operations */
  pollIntervalMs: number;
  /** how often the bench reads every job's status (queue positions and start estimates) while they run */
  statusPollMs: number;
  /** jobs are submitted one per tenant in turn (alpha's first, beta's first, ..., alpha's second, ...) */
  tenants: Array<{ name: string; weight: number; jobs: CapacityJobPlan[] }>;
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
  /** absent: not run (`--only profiles`) */
  capacity?: CapacityPlan;
}

const EMULATOR_LIMITS = { containerGroups: 5_000, cores: 5_000, armRatePerWindow: 1_000_000 };

/**
 * A small ACI account (20 groups, 20 cores; 40 creates and 40 deletes per 5 minutes, 120 per hour) at a fiftieth
 * of real time: ACI's 5 minutes are 6 s, its hour 72 s. Weights 1:1:2, and gamma submits twice the work, so
 * that all three stay backlogged until near the end. Each tenant has three jobs: 1-core runs of 12 s (priority
 * 2: its long runs first), 1-core runs of 6 s (3) and 2-core runs of 6 s (4); 60 runs, 600 core-seconds, a
 * floor of 30 s (cores). The mix is chosen so that the policy itself, with no time lost around the runs,
 * reaches the floor (simulateFairShare: 30 s): what the makespan shows above it is the system's own time.
 */
const CAPACITY: CapacityPlan = {
  timeScale: 0.02,
  limits: {
    groups: 20,
    cores: 20,
    createsPer5Min: 40,
    createsPerHour: 120,
    deletesPer5Min: 40,
    deletesPerHour: 120,
  },
  ledgerRefresh: '2s',
  pollIntervalMs: 100,
  statusPollMs: 1_000,
  tenants: [
    { name: 'alpha', weight: 1, jobs: capacityJobs(1) },
    { name: 'beta', weight: 1, jobs: capacityJobs(1) },
    { name: 'gamma', weight: 2, jobs: capacityJobs(2) },
  ],
};

/** A tenant's backlog, `scale` times over. */
function capacityJobs(scale: number): CapacityJobPlan[] {
  return [
    { instances: 5 * scale, cpu: 1, runMs: [12_000], priority: 2 },
    { instances: 5 * scale, cpu: 1, runMs: [6_000], priority: 3 },
    { instances: 5 * scale, cpu: 2, runMs: [6_000], priority: 4 },
  ];
}

/** The same shape, tiny: 4 groups and cores, 8 runs of 1 s; about 10 s per side. */
const QUICK_CAPACITY: CapacityPlan = {
  ...CAPACITY,
  // half the runs' cores, so that most runs queue for seconds and the status reads see their positions
  limits: {
    groups: 2,
    cores: 2,
    createsPer5Min: 8,
    createsPerHour: 24,
    deletesPer5Min: 8,
    deletesPerHour: 24,
  },
  ledgerRefresh: '1s',
  statusPollMs: 250,
  tenants: [
    { name: 'alpha', weight: 1, jobs: [{ instances: 2, cpu: 1, runMs: [1_500] }] },
    { name: 'beta', weight: 1, jobs: [{ instances: 2, cpu: 1, runMs: [1_500] }] },
    { name: 'gamma', weight: 2, jobs: [{ instances: 4, cpu: 1, runMs: [1_500] }] },
  ],
};
const WORKER = { maxConcurrentActivityTaskExecutions: 1_000 };

function fullPlan(outDir: string, profile: boolean): BenchPlan {
  return {
    quick: false,
    profile,
    outDir,
    worker: WORKER,
    emulator: EMULATOR_LIMITS,
    capacity: CAPACITY,
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
    capacity: QUICK_CAPACITY,
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

/**
 * `--quick`, `--profile`, `--out DIR`, `--only profiles|capacity` (the latency profiles' scenarios, or the
 * capacity scenario alone); anything else is refused.
 */
export function parsePlan(argv: string[]): BenchPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
    },
  });
  if (values.only !== undefined && values.only !== 'profiles' && values.only !== 'capacity') {
    throw new Error(`--only takes "profiles" or "capacity", not "${values.only}"`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = values.out ?? join(PROJECT_ROOT, 'bench-results', `${stamp}${values.quick ? '-quick' : ''}`);
  const plan = values.quick ? quickPlan(outDir, values.profile) : fullPlan(outDir, values.profile);
  if (values.only === 'profiles') delete plan.capacity;
  if (values.only === 'capacity') plan.profiles = [];
  return plan;
}
