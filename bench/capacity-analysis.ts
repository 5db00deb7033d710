/**
 * The capacity scenario's arithmetic, pure: the floor the account's budgets allow, per-tenant shares while all
 * are backlogged (and Jain's index), and how the queue positions and start estimates shown to users compare
 * with what happened. Times are epoch ms unless a name says seconds.
 */
import type { CapacityJobPlan, CapacityPlan } from './options';
import { distribution, median, quantile, type Distribution } from './stats';

const FIVE_MINUTES_MS = 5 * 60_000;
const HOUR_MS = 60 * 60_000;

/** One container run as it happened. */
export interface RunRecord {
  tenant: string;
  jobId: string;
  index: number;
  cpu: number;
  /** how long its container worked (from Running to its completion signal) */
  runMs: number;
  /** the run workflow's start (its result's startedAt) */
  startedAt: number;
  /** the create that succeeded, at the emulator */
  createdAt: number;
  /** its delete, at the emulator */
  deletedAt: number;
  /** under admission: how long the ledger says it waited (whole seconds) */
  queuedSeconds?: number;
}

/** A queued instance as `JobClient.status` showed it in one round of reads. */
export interface Sighting {
  /** tenant/jobId/index */
  run: string;
  round: number;
  /** when the round began */
  seenAt: number;
  position: number;
  estimatedStartAt: number;
}

export const runKey = (tenant: string, jobId: string, index: number) => `${tenant}/${jobId}/${index}`;

export interface CapacityFloor {
  /** the last create the two sliding windows allow, plus the run it starts (longest runs first) */
  createSeconds: number;
  /** Σ run time / group slots */
  groupsSeconds: number;
  /** Σ cores × run time / cores */
  coresSeconds: number;
  /** the largest of the three */
  seconds: number;
  binding: 'creates' | 'groups' | 'cores';
}

/** The jobs in the order the scenario submits them: each tenant's first job in turn, then their second, ... */
export function submissionOrder(
  plan: CapacityPlan,
): Array<{ tenant: string; position: number; job: CapacityJobPlan }> {
  return plan.tenants
    .flatMap((tenant) => tenant.jobs.map((job, position) => ({ tenant: tenant.name, position, job })))
    .sort((a, b) => a.position - b.position);
}

/** A tenant's priority when a spec sets none (the default tenant policy's). */
const DEFAULT_PRIORITY = 3;

/** The runs of a plan in submission order: cores, run time and priority of each. */
export function plannedRuns(
  plan: CapacityPlan,
): Array<{ tenant: string; cpu: number; runMs: number; priority: number }> {
  return submissionOrder(plan).flatMap(({ tenant, job }) =>
    Array.from({ length: job.instances }, (_, index) => ({
      tenant,
      cpu: job.cpu,
      runMs: job.runMs[index % job.runMs.length]!,
      priority: job.priority ?? DEFAULT_PRIORITY,
    })),
  );
}

/**
 * The earliest times (ms from 0) at which `n` creates can be made under sliding windows: greedy, each as soon
 * as every window has room (an entry at x counts while now < x + window, as ACI and the emulator count).
 */
export function earliestCreateTimes(n: number, windows: CreateWindow[]): number[] {
  const times: number[] = [];
  while (times.length < n) times.push(nextCreateAt(times, windows, times.at(-1) ?? 0));
  return times;
}

export interface CreateWindow {
  windowMs: number;
  max: number;
}

/** The earliest time from `at` at which every window has room, given the creates made (`times`, ascending). */
export function nextCreateAt(times: readonly number[], windows: readonly CreateWindow[], at: number): number {
  for (let changed = true; changed;) {
    changed = false;
    for (const { windowMs, max } of windows) {
      const inWindow = times.filter((time) => time > at - windowMs);
      if (inWindow.length < max) continue;
      at = inWindow[inWindow.length - max]! + windowMs;
      changed = true;
    }
  }
  return at;
}

/** ACI's two create windows, scaled. */
function createWindows(plan: Pick<CapacityPlan, 'timeScale' | 'limits'>): CreateWindow[] {
  return [
    { windowMs: FIVE_MINUTES_MS * plan.timeScale, max: plan.limits.createsPer5Min },
    { windowMs: HOUR_MS * plan.timeScale, max: plan.limits.createsPerHour },
  ];
}

/**
 * The least makespan the account's budgets allow, by three bounds: creates (the k-th create cannot come before
 * the k-th earliest time both scaled windows allow, and its run must still run: with the longest runs given
 * the earliest creates, max over k of T_k + d_k), group slots (Σ d / groups) and cores (Σ cores × d / cores).
 * Start and delete overheads count for nothing: a floor, not a prediction.
 */
export function capacityFloor(plan: CapacityPlan): CapacityFloor {
  return poolsFloor(plannedRuns(plan), plan.limits, plan.timeScale, 1);
}

/**
 * The floor of `runs` (cores, run time) over `pools` pools of the same limits, each with its own create
 * windows, by capacityFloor's three bounds: creates (each pool's k-th create no earlier than its windows allow,
 * the pools' times merged, the longest runs on the earliest), group slots (Σ d / (pools × groups)) and cores
 * (Σ cores × d / (pools × cores)).
 */
export function poolsFloor(
  runs: Array<{ cpu: number; runMs: number }>,
  limits: CapacityPlan['limits'],
  timeScale: number,
  pools: number,
): CapacityFloor {
  const perPool = earliestCreateTimes(Math.ceil(runs.length / pools), createWindows({ timeScale, limits }));
  const times = Array.from({ length: pools }, () => perPool)
    .flat()
    .sort((a, b) => a - b)
    .slice(0, runs.length);
  const longestFirst = runs.map((run) => run.runMs).sort((a, b) => b - a);
  const createMs = Math.max(...times.map((time, k) => time + longestFirst[k]!));
  const groupsMs = runs.reduce((sum, run) => sum + run.runMs, 0) / (pools * limits.groups);
  const coresMs = runs.reduce((sum, run) => sum + run.cpu * run.runMs, 0) / (pools * limits.cores);
  const bounds = { creates: createMs, groups: groupsMs, cores: coresMs };
  const binding = (Object.keys(bounds) as Array<keyof typeof bounds>).reduce((a, b) =>
    bounds[b] > bounds[a] ? b : a,
  );
  return {
    createSeconds: createMs / 1000,
    groupsSeconds: groupsMs / 1000,
    coresSeconds: coresMs / 1000,
    seconds: bounds[binding] / 1000,
    binding,
  };
}

/**
 * One tenant's runs (in order) over `pools` pools of the same limits, granted with nothing else in the way: at
 * every moment each run goes to the first pool (in placement order) with a free group slot, free cores and room
 * in both create windows; each group holds its slot exactly for its run. The makespan (s): what the floor
 * becomes when group slots and create windows bind together.
 */
export function simulatePools(
  runs: Array<{ cpu: number; runMs: number }>,
  limits: CapacityPlan['limits'],
  timeScale: number,
  pools: number,
): number {
  const windows = createWindows({ timeScale, limits });
  const state = Array.from({ length: pools }, () => ({
    creates: [] as number[],
    running: [] as Array<{ end: number; cpu: number }>,
  }));
  let next = 0;
  let now = 0;
  let last = 0;
  for (;;) {
    let opensAt = Infinity;
    for (const pool of state) {
      pool.running = pool.running.filter((run) => run.end > now);
      for (;;) {
        const run = runs[next];
        if (!run) break;
        const cores = pool.running.reduce((sum, held) => sum + held.cpu, 0);
        if (pool.running.length >= limits.groups || cores + run.cpu > limits.cores) break;
        const allowed = nextCreateAt(pool.creates, windows, now);
        if (allowed > now) {
          opensAt = Math.min(opensAt, allowed);
          break;
        }
        pool.creates.push(now);
        pool.running.push({ end: now + run.runMs, cpu: run.cpu });
        last = Math.max(last, now + run.runMs);
        next++;
      }
    }
    if (next >= runs.length) return last / 1000;
    now = Math.min(opensAt, ...state.flatMap((pool) => pool.running.map((run) => run.end)));
  }
}

/**
 * The admission policy itself with nothing else in the way: every run submitted at 0 and queued in the
 * scenario's submission order; grants at once whenever the policy allows (weighted fair share of cores held,
 * ties to the earlier request; a tenant's runs by priority, then in order; no backfill past a head that does not
 * fit; ACI's create windows); each group holds its cores exactly for its run. The makespan of that schedule (s)
 * tells how much of the gap to the floor is the policy's packing and tail, and how much the time the real system
 * takes around each run.
 */
export function simulateFairShare(plan: CapacityPlan): number {
  const windows = createWindows(plan);
  const queues = new Map<string, Array<{ cpu: number; runMs: number; priority: number; order: number }>>();
  const weight = new Map(plan.tenants.map((tenant) => [tenant.name, tenant.weight]));
  plannedRuns(plan).forEach((run, order) => {
    const queue = queues.get(run.tenant) ?? [];
    queue.push({ ...run, order });
    queues.set(run.tenant, queue);
  });
  // within a tenant: priority, then submission
  for (const queue of queues.values()) queue.sort((a, b) => a.priority - b.priority || a.order - b.order);
  const held = new Map<string, number>();
  let running: Array<{ end: number; tenant: string; cpu: number }> = [];
  const creates: number[] = [];
  let freeCores = plan.limits.cores;
  let freeGroups = plan.limits.groups;
  let now = 0;
  let last = 0;
  const waiting = () => [...queues.values()].some((queue) => queue.length > 0);
  for (;;) {
    let windowOpensAt: number | undefined;
    while (waiting()) {
      const allowed = nextCreateAt(creates, windows, now);
      if (allowed > now) {
        windowOpensAt = allowed;
        break;
      }
      let best: { tenant: string; share: number; order: number } | undefined;
      for (const [tenant, queue] of queues) {
        const head = queue[0];
        if (!head) continue;
        const share = ((held.get(tenant) ?? 0) + head.cpu) / weight.get(tenant)!;
        if (!best || share < best.share || (share === best.share && head.order < best.order)) {
          best = { tenant, share, order: head.order };
        }
      }
      const queue = queues.get(best!.tenant)!;
      const run = queue[0]!;
      if (run.cpu > freeCores || freeGroups < 1) break;
      queue.shift();
      creates.push(now);
      held.set(best!.tenant, (held.get(best!.tenant) ?? 0) + run.cpu);
      freeCores -= run.cpu;
      freeGroups--;
      running.push({ end: now + run.runMs, tenant: best!.tenant, cpu: run.cpu });
      last = Math.max(last, now + run.runMs);
    }
    if (!waiting()) return last / 1000;
    now = Math.min(windowOpensAt ?? Infinity, ...running.map((run) => run.end));
    for (const run of running.filter((candidate) => candidate.end <= now)) {
      held.set(run.tenant, held.get(run.tenant)! - run.cpu);
      freeCores += run.cpu;
      freeGroups++;
    }
    running = running.filter((run) => run.end > now);
  }
}

export interface TenantShare {
  tenant: string;
  weight: number;
  /** weight / Σ weights, % */
  weightSharePct: number;
  /** cores held (create → delete at the emulator) within the contended interval */
  coreSeconds: number;
  sharePct: number;
  /** sharePct − weightSharePct */
  deviationPoints: number;
}

export interface Shares {
  /** from the first submit to the first moment a tenant had nothing left waiting (its last create) */
  contendedSeconds: number;
  tenants: TenantShare[];
  /** the largest |deviation| */
  maxDeviationPoints: number;
  /** Jain's index of the weight-normalised shares (share / weight share): 1 = exactly by weight */
  jain: number;
}

/** Overlap of [from, to] with [start, end], ms. */
const overlapMs = (from: number, to: number, start: number, end: number) =>
  Math.max(0, Math.min(to, end) - Math.max(from, start));

/**
 * Per-tenant core-seconds while every tenant still had runs waiting: from `since` (the first submit) until the
 * earliest of the tenants' last creates, each group counted from its create to its delete at the emulator
 * (what ACI counts against the quota), times its cores.
 */
export function tenantShares(
  runs: RunRecord[],
  tenants: Array<{ name: string; weight: number }>,
  since: number,
): Shares {
  const until = Math.min(
    ...tenants.map((tenant) =>
      Math.max(...runs.filter((run) => run.tenant === tenant.name).map((run) => run.createdAt)),
    ),
  );
  const totalWeight = tenants.reduce((sum, tenant) => sum + tenant.weight, 0);
  const held = tenants.map((tenant) =>
    runs
      .filter((run) => run.tenant === tenant.name)
      .reduce(
        (sum, run) => sum + (run.cpu * overlapMs(since, until, run.createdAt, run.deletedAt)) / 1000,
        0,
      ),
  );
  const total = held.reduce((sum, value) => sum + value, 0);
  const shares = tenants.map((tenant, i): TenantShare => {
    const weightSharePct = (100 * tenant.weight) / totalWeight;
    const sharePct = total > 0 ? (100 * held[i]!) / total : 0;
    return {
      tenant: tenant.name,
      weight: tenant.weight,
      weightSharePct,
      coreSeconds: held[i]!,
      sharePct,
      deviationPoints: sharePct - weightSharePct,
    };
  });
  const normalised = shares.map((share) => share.sharePct / share.weightSharePct);
  const sum = normalised.reduce((a, b) => a + b, 0);
  const squares = normalised.reduce((a, b) => a + b * b, 0);
  return {
    contendedSeconds: Math.max(0, until - since) / 1000,
    tenants: shares,
    maxDeviationPoints: Math.max(...shares.map((share) => Math.abs(share.deviationPoints))),
    jain: squares > 0 ? (sum * sum) / (normalised.length * squares) : Number.NaN,
  };
}

/** Seconds from each run's start to its successful create. */
export function queueWaits(runs: RunRecord[]): Distribution {
  return distribution(runs.map((run) => (run.createdAt - run.startedAt) / 1000));
}

/**
 * How busy the account was while runs waited: cores held (create → delete) from the first submit to the last
 * create, over cores × that time.
 */
export function utilisation(runs: RunRecord[], cores: number, since: number): number {
  const until = Math.max(...runs.map((run) => run.createdAt));
  const held = runs.reduce(
    (sum, run) => sum + run.cpu * overlapMs(since, until, run.createdAt, run.deletedAt),
    0,
  );
  return until > since ? held / (cores * (until - since)) : Number.NaN;
}

export interface EstimateCheck {
  /** queued instances seen (each once: its first sighting) */
  runs: number;
  /** first sighting: |estimatedStartAt − actual start| */
  absErrorSeconds: { median: number; p90: number };
  /** first sighting: estimatedStartAt − actual start (positive: the estimate was late) */
  medianBiasSeconds: number;
  /** first sighting: |error| / the wait that was left (actual start − seen), median and p90 */
  relativeError: { median: number; p90: number };
  /** every sighting, not only the first: median |error| */
  allSightings: { n: number; medianAbsErrorSeconds: number };
  /**
   * Positions against the order the runs actually started in, among the instances queued in the same round:
   * the actual place is 1 + the number of them that started earlier
   */
  positions: { exactFraction: number; medianAbsDifference: number };
  /** pairs of instances queued in the same round: the fraction whose positions ordered them as they started */
  orderedPairs: { pairs: number; fraction: number; kendallTau: number };
}

/**
 * The positions and estimates shown, against when each run actually started (its successful create at the
 * emulator). Ranks and pairs are taken within each round of reads, where all queued instances were read at
 * about the same moment.
 */
export function checkEstimates(sightings: Sighting[], runs: RunRecord[]): EstimateCheck | undefined {
  const startOf = new Map(runs.map((run) => [runKey(run.tenant, run.jobId, run.index), run.createdAt]));
  const known = sightings.filter((sighting) => startOf.has(sighting.run));
  if (known.length === 0) return undefined;
  const first = new Map<string, Sighting>();
  for (const sighting of known) {
    const seen = first.get(sighting.run);
    if (!seen || sighting.round < seen.round) first.set(sighting.run, sighting);
  }
  const firsts = [...first.values()];
  const error = (s: Sighting) => (s.estimatedStartAt - startOf.get(s.run)!) / 1000;
  const absErrors = firsts.map((s) => Math.abs(error(s)));
  const relative = firsts.map((s) => {
    const left = (startOf.get(s.run)! - s.seenAt) / 1000;
    return Math.abs(error(s)) / Math.max(left, 0.001);
  });

  const rounds = new Map<number, Sighting[]>();
  for (const sighting of known) rounds.set(sighting.round, [...(rounds.get(sighting.round) ?? []), sighting]);
  const positionDifferences: number[] = [];
  let concordant = 0;
  let discordant = 0;
  for (const round of rounds.values()) {
    const byStart = [...round].sort((a, b) => startOf.get(a.run)! - startOf.get(b.run)!);
    byStart.forEach((sighting, i) => positionDifferences.push(Math.abs(sighting.position - (i + 1))));
    for (let i = 0; i < round.length; i++) {
      for (let j = i + 1; j < round.length; j++) {
        const a = round[i]!;
        const b = round[j]!;
        const byPosition = Math.sign(a.position - b.position);
        const byActual = Math.sign(startOf.get(a.run)! - startOf.get(b.run)!);
        if (byPosition === 0 || byActual === 0) continue;
        if (byPosition === byActual) concordant++;
        else discordant++;
      }
    }
  }
  const pairs = concordant + discordant;
  return {
    runs: firsts.length,
    absErrorSeconds: { median: median(absErrors), p90: quantile(absErrors, 0.9) },
    medianBiasSeconds: median(firsts.map(error)),
    relativeError: { median: median(relative), p90: quantile(relative, 0.9) },
    allSightings: { n: known.length, medianAbsErrorSeconds: median(known.map((s) => Math.abs(error(s)))) },
    positions: {
      exactFraction: positionDifferences.filter((d) => d === 0).length / positionDifferences.length,
      medianAbsDifference: median(positionDifferences),
    },
    orderedPairs: {
      pairs,
      fraction: pairs > 0 ? concordant / pairs : Number.NaN,
      kendallTau: pairs > 0 ? (concordant - discordant) / pairs : Number.NaN,
    },
  };
}

/**
 * For each successful create that came after some delete: the time since the latest delete before it, ms. With
 * admission, a create waits for a lease a delete gives back, so this is the handoff from one run to the next
 * (the delete, its release, the grant, the next run's create).
 */
export function deleteToNextCreate(runs: RunRecord[]): Distribution {
  const deletes = runs.map((run) => run.deletedAt).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (const run of runs) {
    let latest: number | undefined;
    for (const time of deletes) {
      if (time >= run.createdAt) break;
      latest = time;
    }
    if (latest !== undefined) gaps.push(run.createdAt - latest);
  }
  return distribution(gaps);
}
