/**
 * What the benchmark runs: sizes of each scenario, the emulator profiles, and the settings that shape the
 * numbers (stated in the results). `--quick` shrinks everything so CI can check the bench still runs.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LatencyProfile } from '../dev/emulator';
import { durationMs } from '../src/shared/duration';
import { MESSAGE_MAX_CHARS } from '../src/workflows/history-limits';
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
  /** issue 14: one job spread over two pools of the capacity scenario's account (`--only two-pools`) */
  twoPools?: TwoPoolsPlan;
  /** issue 14: warm starts from a standby pool against fresh creates (`--only warm`) */
  warm?: WarmPlan;
  /** issue 17: ARM requests per run by kind (`--only arm-requests`) */
  armRequests?: ArmRequestsPlan;
  /** issue 17: CPU per container run by process, as shipped and bare (`--only cpu-per-run`) */
  cpuPerRun?: CpuPerRunPlan;
  /** issue 17: many runs waiting at once on one worker (`--only waiting`) */
  waiting?: WaitingPlan;
  /** issue 17: the largest job, with the longest messages (`--only bigjob`) */
  bigJob?: BigJobPlan;
}

/** The scenarios `--only` selects, by name. */
export const SCENARIOS = [
  'profiles',
  'capacity',
  'two-pools',
  'warm',
  'arm-requests',
  'cpu-per-run',
  'waiting',
  'bigjob',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * One job spread over two pools (two regions of the emulator's subscription), each with the capacity scenario's
 * account and compressed windows; admission on.
 */
export interface TwoPoolsPlan {
  timeScale: number;
  limits: CapacityPlan['limits'];
  ledgerRefresh: string;
  pollIntervalMs: number;
  /** the job's placement, in order */
  regions: string[];
  /** a one-run warm-up job runs here first (its own account) */
  warmupRegion: string;
  instances: number;
  /** each is measured on fresh pools: the job's window as the issue states it (all at once), and narrower */
  maxParallel: number[];
  cpu: number;
  runMs: number;
}

/**
 * Warm starts (a pool with an ACI standby pool) against fresh creates (a pool without), side by side in the
 * same emulator and worker, in rounds that alternate; the standby pool holds `instances` warm groups.
 */
export interface WarmPlan {
  latency: LatencyProfile;
  pollIntervalMs: number;
  /** the emulator's time to make one warm group (its model of a standby pool's refill) */
  standbyRefillMs: number;
  instances: number;
  rounds: number;
  runMs: number;
}

/** ARM requests per run, in each latency profile, for the variants of what a run does around its container. */
export interface ArmRequestsPlan {
  profiles: Array<{ name: ProfileName; latency: LatencyProfile; pollIntervalMs: number; runMs: number }>;
  /** instances of the job each variant runs (containers shorter than the monitor interval: no tick) */
  runs: number;
  /** a second job per variant whose runs are watched: monitorInterval 1 s, containers run `ticks` s + 0.5 s */
  ticks: number;
}

/** CPU per run: many jobs at once at zero latency (as the throughput scenario), as shipped and bare. */
export interface CpuPerRunPlan {
  jobs: number;
  instances: number;
  runMs: number;
}

/**
 * Many runs waiting at once on one worker with the shipped worker limits, containers without processes: the
 * worker's memory and what the waiting costs while nobody reports; then, on top, a smaller set of runs whose
 * monitors tick, for the cost of a tick.
 */
export interface WaitingPlan {
  runs: number;
  /** the runs are split over this many jobs (maxParallel ≤ 1,000 each) */
  jobs: number;
  /** the waiting runs' monitorInterval: longer than the observation, so their monitors do not tick */
  idleMonitorInterval: string;
  /** how long the waiting is observed, s */
  observeSeconds: number;
  /** the runs whose monitors tick: how many, their monitorInterval, and how many intervals are observed */
  tick: { runs: number; monitorInterval: string; intervals: number };
  /** the worker's workflow cache (absent: the shipped default, WORKER_MAX_CACHED_WORKFLOWS) */
  maxCachedWorkflows?: number;
}

/** One job of `instances` (the spec's maximum: 10,000), each run reporting the longest message the run keeps. */
export interface BigJobPlan {
  instances: number;
  maxParallel: number;
  messageChars: number;
  /** no run finishing and the job's workflow task not completing for this long: the job is stuck, s */
  stallSeconds: number;
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

/**
 * The capacity scenario at another time scale: ACI's windows, the runs' durations, the ledger's refresh and the
 * status reads all scale with it, so the workload is the same (runs of 5 and 10 ACI minutes, a floor of 25 ACI
 * minutes) and only the system's own time (which does not scale) weighs less or more against it.
 */
function capacityAt(timeScale: number, base: CapacityPlan): CapacityPlan {
  const factor = timeScale / base.timeScale;
  return {
    ...base,
    timeScale,
    ledgerRefresh: scaledDuration(base.ledgerRefresh, factor),
    statusPollMs: Math.round(base.statusPollMs * factor),
    tenants: base.tenants.map((tenant) => ({
      ...tenant,
      jobs: tenant.jobs.map((job) => ({ ...job, runMs: job.runMs.map((ms) => Math.round(ms * factor)) })),
    })),
  };
}

/** The two-pools scenario at another time scale, as capacityAt: windows, the run and the ledger's refresh. */
function twoPoolsAt(timeScale: number, base: TwoPoolsPlan): TwoPoolsPlan {
  const factor = timeScale / base.timeScale;
  return {
    ...base,
    timeScale,
    ledgerRefresh: scaledDuration(base.ledgerRefresh, factor),
    runMs: Math.round(base.runMs * factor),
  };
}

/** A duration setting ("2s") `factor` times as long, as the config reads it. */
function scaledDuration(duration: string, factor: number): string {
  return `${Math.round(durationMs(duration) * factor)}ms`;
}

/** The same shape, tiny: 2 groups and cores, 8 runs of 1.5 s; about 10 s per side. */
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

/**
 * Issue 14: 600 runs of 1 core × 6 s, one job, over two pools with the capacity scenario's account each. The
 * floor (creates: 300 per pool, at most 120 in any 72 s) is 162 s.
 */
const TWO_POOLS: TwoPoolsPlan = {
  timeScale: CAPACITY.timeScale,
  limits: CAPACITY.limits,
  ledgerRefresh: CAPACITY.ledgerRefresh,
  pollIntervalMs: CAPACITY.pollIntervalMs,
  regions: ['eastus', 'westus2'],
  warmupRegion: 'centralus',
  instances: 600,
  // all at once (as the issue states it), and the two pools' group slots
  maxParallel: [600, 40],
  cpu: 1,
  runMs: 6_000,
};
const QUICK_TWO_POOLS: TwoPoolsPlan = {
  ...TWO_POOLS,
  // 4 groups and cores per pool (the quick capacity scenario's account has 2): maxParallel 8 is both pools' slots
  limits: { ...QUICK_CAPACITY.limits, groups: 4, cores: 4 },
  ledgerRefresh: QUICK_CAPACITY.ledgerRefresh,
  instances: 16,
  maxParallel: [16, 8],
  runMs: 1_000,
};

/** The realistic profile's latencies and polling; 3 rounds of 10 warm and 10 fresh runs. */
const WARM: WarmPlan = {
  latency: LATENCY_PROFILES.realistic,
  pollIntervalMs: 1_000,
  standbyRefillMs: 3_000,
  instances: 10,
  rounds: 3,
  runMs: 2_000,
};
const QUICK_WARM: WarmPlan = {
  latency: { provisioningMs: 1_000, startMs: 500, deleteMs: 250 },
  pollIntervalMs: 250,
  standbyRefillMs: 500,
  instances: 2,
  rounds: 1,
  runMs: 500,
};

const ARM_REQUESTS: ArmRequestsPlan = {
  profiles: [
    { name: 'zero', latency: LATENCY_PROFILES.instant, pollIntervalMs: 50, runMs: 300 },
    { name: 'realistic', latency: LATENCY_PROFILES.realistic, pollIntervalMs: 1_000, runMs: 2_000 },
  ],
  runs: 10,
  ticks: 4,
};
const QUICK_ARM_REQUESTS: ArmRequestsPlan = {
  profiles: [
    { name: 'zero', latency: LATENCY_PROFILES.instant, pollIntervalMs: 50, runMs: 300 },
    {
      name: 'realistic',
      latency: { provisioningMs: 1_000, startMs: 500, deleteMs: 250 },
      pollIntervalMs: 250,
      runMs: 500,
    },
  ],
  runs: 2,
  ticks: 1,
};

/** As the throughput scenario: 20 jobs × 25 runs at once, containers report as soon as they run. */
const CPU_PER_RUN: CpuPerRunPlan = { jobs: 20, instances: 25, runMs: 0 };
const QUICK_CPU_PER_RUN: CpuPerRunPlan = { jobs: 2, instances: 5, runMs: 0 };

const WAITING: WaitingPlan = {
  runs: 10_000,
  jobs: 10,
  idleMonitorInterval: '1h',
  observeSeconds: 120,
  tick: { runs: 300, monitorInterval: '10s', intervals: 3 },
};
const QUICK_WAITING: WaitingPlan = {
  runs: 20,
  jobs: 2,
  idleMonitorInterval: '1h',
  observeSeconds: 5,
  tick: { runs: 5, monitorInterval: '2s', intervals: 2 },
};

const BIG_JOB: BigJobPlan = {
  instances: 10_000,
  maxParallel: 1_000,
  messageChars: MESSAGE_MAX_CHARS,
  stallSeconds: 300,
};
const QUICK_BIG_JOB: BigJobPlan = {
  instances: 20,
  maxParallel: 10,
  messageChars: MESSAGE_MAX_CHARS,
  stallSeconds: 60,
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

/** The scenarios a run makes without `--only`: the latency profiles' and the capacity scenario. */
const DEFAULT_SCENARIOS: readonly ScenarioName[] = ['profiles', 'capacity'];

/**
 * `--quick`, `--profile`, `--out DIR`, `--only NAME[,NAME...]` (the scenarios to run, from SCENARIOS; without
 * it: profiles and capacity), `--runs N` (the size of the waiting and bigjob scenarios),
 * `--cached-workflows N` (the waiting scenario's worker cache, default the shipped 1,000), `--time-scale X` (the
 * capacity and two-pools scenarios', default 0.02: see capacityAt), `--max-parallel N[,N...]` (the two-pools
 * job's windows, default 600,40); anything else is refused.
 */
export function parsePlan(argv: string[]): BenchPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      runs: { type: 'string' },
      'cached-workflows': { type: 'string' },
      'time-scale': { type: 'string' },
      'max-parallel': { type: 'string' },
    },
  });
  const only =
    values.only === undefined ? DEFAULT_SCENARIOS : values.only.split(',').map((name) => name.trim());
  for (const name of only) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`--only takes names from ${SCENARIOS.join(', ')} (comma-separated), not "${name}"`);
    }
  }
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1 || runs > 100_000)) {
    throw new Error(`--runs takes a whole number from 1 to 100000, not "${values.runs}"`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = values.out ?? join(PROJECT_ROOT, 'bench-results', `${stamp}${values.quick ? '-quick' : ''}`);
  const plan = values.quick ? quickPlan(outDir, values.profile) : fullPlan(outDir, values.profile);
  const selected = new Set(only as ScenarioName[]);
  if (!selected.has('profiles')) plan.profiles = [];
  if (!selected.has('capacity')) delete plan.capacity;
  const quick = values.quick;
  if (selected.has('two-pools')) plan.twoPools = quick ? QUICK_TWO_POOLS : TWO_POOLS;
  if (values['time-scale'] !== undefined) {
    const timeScale = Number(values['time-scale']);
    if (!(timeScale > 0 && timeScale <= 1)) {
      throw new Error(`--time-scale takes a number above 0 and at most 1, not "${values['time-scale']}"`);
    }
    if (!plan.capacity && !plan.twoPools) {
      throw new Error('--time-scale applies to the capacity and two-pools scenarios: name one with --only');
    }
    if (plan.capacity) plan.capacity = capacityAt(timeScale, plan.capacity);
    if (plan.twoPools) plan.twoPools = twoPoolsAt(timeScale, plan.twoPools);
  }
  if (values['max-parallel'] !== undefined) {
    const windows = values['max-parallel'].split(',').map(Number);
    if (!plan.twoPools || !windows.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new Error(
        `--max-parallel takes the two-pools scenario's job windows (whole numbers, comma-separated), not "${values['max-parallel']}"`,
      );
    }
    plan.twoPools = { ...plan.twoPools, maxParallel: windows };
  }
  if (selected.has('warm')) plan.warm = quick ? QUICK_WARM : WARM;
  if (selected.has('arm-requests')) plan.armRequests = quick ? QUICK_ARM_REQUESTS : ARM_REQUESTS;
  if (selected.has('cpu-per-run')) plan.cpuPerRun = quick ? QUICK_CPU_PER_RUN : CPU_PER_RUN;
  const cached = values['cached-workflows'] === undefined ? undefined : Number(values['cached-workflows']);
  if (cached !== undefined && (!Number.isInteger(cached) || cached < 0)) {
    throw new Error(`--cached-workflows takes a whole number, not "${values['cached-workflows']}"`);
  }
  if (selected.has('waiting')) {
    const waiting = quick ? QUICK_WAITING : WAITING;
    plan.waiting = {
      ...waiting,
      ...(runs !== undefined && { runs, jobs: Math.max(Math.min(runs, 2), Math.ceil(runs / 1_000)) }),
      ...(cached !== undefined && { maxCachedWorkflows: cached }),
    };
  }
  if (selected.has('bigjob')) {
    const bigJob = quick ? QUICK_BIG_JOB : BIG_JOB;
    plan.bigJob =
      runs === undefined ? bigJob : { ...bigJob, instances: runs, maxParallel: Math.min(runs, 1_000) };
  }
  return plan;
}
