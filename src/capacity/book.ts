/**
 * The admission ledger's books: the runs waiting for a lease (one queue for the whole deployment), the leases
 * held, and per account (a subscription and region) ACI's limits, the create and delete budgets, pauses and
 * what others use. Pure and deterministic (times are passed in): the ledger workflow owns one, and carries its
 * snapshot across continue-as-new.
 *
 * Fair share, stated: among tenants with runs waiting, the next lease goes to the tenant with the least cores
 * held (in any account) per unit of weight, counting the run it would get ((held + asked) / weight); ties go to
 * the earlier request. Within a tenant, a lower priority number goes first (1 before 5, as Temporal's priority
 * keys), then the order the runs first asked in (a job's runs ask as its maxParallel window admits them). Holding cores in proportion to the weights at every moment gives each tenant
 * core-seconds in proportion to its weight while all are backlogged, whatever its runs' sizes and durations; a
 * tenant that arrives late holds nothing and is served next. Tenants at their caps (cores, groups) are passed
 * over.
 *
 * Placement: a run lists where it may go (pools, Regular or Spot) in order of preference and gets the first
 * with capacity, skipping pools that are cooling down after ACI said it had none. When the fairest run fits
 * nowhere, the accounts it could use are reserved for it (no backfill there, so big runs are not starved by
 * small ones) while runs that may use other accounts go on: a job allowed two regions spreads when the first
 * is full.
 *
 * Deletes: a lease carries its delete (`deleteCredit`) when the account's delete windows have room for it on
 * top of every delete already promised, so its run deletes without asking again; the delete enters the windows
 * when the run says its group is gone (a little after ACI counted it, so the ledger's count is never below
 * ACI's). A lease granted without one asks for a delete token before it deletes.
 *
 * Counting (`countedStamps`): ACI counts a create when its PUT arrives, after the grant; each entry of the
 * windows is the latest time ACI may have counted its request, and the windows are ACI's own lengths. A
 * create is entered a short lag after its grant (`countLagMs`) and moved to when the run says the PUT was
 * answered (with its release, long before the hour window lets it go); a delete is entered when the run says
 * its group is gone (a token's, a lag after the token until then). Without it (ledgers from before), entries
 * are grant times and the windows are longer by a margin (`ledgerWindowMs`).
 */
import type {
  LeaseRequest,
  PlacementOption,
  QueuedRun,
  QuotaReading,
  Refusal,
  TenantStanding,
} from '../shared/capacity';
import type { PoolLimits, TenantPolicy } from './config';
import { indexAfter, SlidingWindows } from './windows';

const MINUTE = 60_000;
/**
 * How much longer than ACI's the ledger's windows are: it counts a create when it grants it, ACI when the PUT
 * arrives, after the grant signal, the run's workflow task and the activity (seconds on a busy worker, and not
 * scaled with the windows); a longer window keeps ACI's count within its limit when earlier PUTs were late.
 */
export const WINDOW_MARGIN = 1.02;
/**
 * ... plus this much (real time: a late PUT is late in real time), but at most 5% of a window compressed for a
 * test or the bench, where 3 s would halve the throughput.
 */
export const GRANT_TO_PUT_SLACK_MS = 3_000;

/** A window of ACI's (5 minutes, an hour) as the ledger counts it, with entries at grant times. */
export function ledgerWindowMs(acisMs: number, windowScale: number): number {
  const scaled = acisMs * windowScale;
  return scaled * WINDOW_MARGIN + Math.min(GRANT_TO_PUT_SLACK_MS, scaled * 0.05);
}

/** How much later than its grant (or token) ACI may count a request: the 5-minute window's margin above. */
export function countLagMs(windowScale: number): number {
  return ledgerWindowMs(5 * MINUTE, windowScale) - 5 * MINUTE * windowScale;
}

/** ARM's clock against Temporal's, when a time the run reports stands for ACI's count: 1 s, less when compressed. */
export function clockSlackMs(windowScale: number): number {
  return Math.min(1_000, 5 * MINUTE * windowScale * 0.01);
}

/** A granted request: the run may create its group (and holds its cores and slot until the group is gone). */
export interface Lease extends LeaseRequest {
  pool: string;
  spot: boolean;
  accountKey: string;
  grantedAt: number;
  /** how long the run waited */
  waitedMs: number;
  /** its delete is reserved with the grant: the run deletes without asking for a token */
  deleteCredit?: boolean;
  /** its create's entry in the create windows (counted stamps), to move once the run says when the PUT was answered */
  createStamp?: number;
  /** its delete token's entry in the delete windows (counted stamps), to move once the group is gone */
  deleteStamp?: number;
}

export interface PoolInfo {
  name: string;
  accountKey: string;
  /** Spot groups are offered here */
  spot: boolean;
}

export interface AccountInfo {
  accountKey: string;
  limits: PoolLimits;
  /** 1 = real time; below 1 compresses the 5-minute and 1-hour windows (tests, the bench) */
  windowScale: number;
}

export interface BookSettings {
  policyOf(tenant: string): TenantPolicy;
  /** how long a pool is passed over after ACI said it has no capacity */
  cooldownMs: number;
  /** grant leases with their delete reserved when the delete windows have room (see above) */
  deleteCredits?: boolean;
  /** window entries are when ACI counted (or may have counted) each request, the windows ACI's lengths (see above) */
  countedStamps?: boolean;
}

type Quota = QuotaReading['name'];

interface AccountState {
  creates: number[];
  deletes: number[];
  pausedUntil: number;
  /** used in the account outside the ledger (other deployments, by hand) */
  external: Record<Quota, number>;
  /** the limits ACI reported last (the Usages API), over the configured ones */
  reported: Partial<Record<Quota, number>>;
}

export interface BookSnapshot {
  pools: PoolInfo[];
  accounts: Array<AccountInfo & { state: AccountState }>;
  queue: LeaseRequest[];
  leases: Lease[];
  /** runs waiting for a delete token, in order */
  deleteQueue: string[];
  /** pool → until when it is passed over */
  degraded: Record<string, number>;
  /** recent grant times, for start estimates */
  grantTimes: number[];
  /** how long recent leases were held (grant → group gone), for start estimates */
  holdTimes?: number[];
  /** the window entries are counted stamps (absent: grant times, from a ledger before them) */
  countedStamps?: boolean;
}

export interface Allocation {
  grants: Lease[];
  /** runs that may delete their group now */
  deletes: string[];
  /** when to allocate again if nothing else happens (a window frees, a pause or a cool-down ends) */
  wakeAt?: number;
  /** grants and deletes reached the allocation's limit: there may be more to hand out once notices land */
  limited?: boolean;
}

class Account {
  readonly creates: SlidingWindows;
  readonly deletes: SlidingWindows;
  pausedUntil: number;
  external: Record<Quota, number>;
  reported: Partial<Record<Quota, number>>;

  /**
   * `counted`: the windows are ACI's lengths and their entries counted stamps; `grantTimeEntries`: the state's
   * entries are grant times (from a ledger before counted stamps), moved to the latest ACI may count them.
   */
  constructor(
    readonly info: AccountInfo,
    state: AccountState | undefined,
    counted: boolean,
    grantTimeEntries = false,
  ) {
    const { limits, windowScale } = info;
    const length = (acisMs: number) => (counted ? acisMs * windowScale : ledgerWindowMs(acisMs, windowScale));
    const windows = (per5Min: number, perHour: number) => [
      { windowMs: length(5 * MINUTE), max: per5Min },
      { windowMs: length(60 * MINUTE), max: perHour },
    ];
    // the hour window's margin covers every entry in either window
    const shift = grantTimeEntries ? ledgerWindowMs(60 * MINUTE, windowScale) - length(60 * MINUTE) : 0;
    const entries = (times: number[] | undefined) => times?.map((time) => time + shift);
    this.creates = new SlidingWindows(
      windows(limits.createsPer5Min, limits.createsPerHour),
      entries(state?.creates),
    );
    this.deletes = new SlidingWindows(
      windows(limits.deletesPer5Min, limits.deletesPerHour),
      entries(state?.deletes),
    );
    this.pausedUntil = state?.pausedUntil ?? 0;
    this.external = state?.external ?? { cores: 0, spotCores: 0, groups: 0 };
    this.reported = state?.reported ?? {};
  }

  limit(quota: Quota): number {
    return Math.min(this.info.limits[quota], this.reported[quota] ?? Infinity);
  }

  state(now: number): AccountState {
    return {
      creates: this.creates.snapshot(now),
      deletes: this.deletes.snapshot(now),
      pausedUntil: this.pausedUntil,
      external: { ...this.external },
      reported: { ...this.reported },
    };
  }
}

/**
 * The waiting runs, one list per tenant in serving order (priority, then submission): the heads are the
 * candidates, so a grant costs O(tenants), not O(queued runs).
 */
class TenantQueues {
  private readonly byTenant = new Map<string, LeaseRequest[]>();
  private readonly tenantOf = new Map<string, string>();

  constructor(requests: readonly LeaseRequest[] = []) {
    for (const request of requests) this.add(request);
  }

  get size(): number {
    return this.tenantOf.size;
  }

  add(request: LeaseRequest): void {
    if (this.tenantOf.has(request.runId)) return;
    let queue = this.byTenant.get(request.tenant);
    if (!queue) this.byTenant.set(request.tenant, (queue = []));
    // after every request served before it (binary search on the serving order)
    let low = 0;
    let high = queue.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (before(request, queue[mid]!)) high = mid;
      else low = mid + 1;
    }
    queue.splice(low, 0, request);
    this.tenantOf.set(request.runId, request.tenant);
  }

  remove(runId: string): void {
    const tenant = this.tenantOf.get(runId);
    if (tenant === undefined) return;
    this.tenantOf.delete(runId);
    const queue = this.byTenant.get(tenant)!;
    queue.splice(
      queue.findIndex((request) => request.runId === runId),
      1,
    );
    if (queue.length === 0) this.byTenant.delete(tenant);
  }

  /** Tenant → its queue in serving order (do not modify). */
  tenants(): ReadonlyMap<string, readonly LeaseRequest[]> {
    return this.byTenant;
  }

  all(): LeaseRequest[] {
    return [...this.byTenant.values()].flat();
  }
}

/**
 * The next `max` of `quiet` leases in run id order after `after` (wrapping around), or all when they are no
 * more: a ledger checks some quiet leases at each refresh and the rest at the next ones.
 */
export function quietTurn(quiet: readonly Lease[], after: string, max: number): Lease[] {
  if (quiet.length <= max) return [...quiet];
  const byRunId = [...quiet].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  const next = Math.max(
    0,
    byRunId.findIndex((lease) => lease.runId > after),
  );
  return [...byRunId.slice(next), ...byRunId.slice(0, next)].slice(0, max);
}

export class CapacityBook {
  private readonly pools = new Map<string, PoolInfo>();
  private readonly accounts = new Map<string, Account>();
  private readonly queue: TenantQueues;
  private readonly leases = new Map<string, Lease>();
  /** what the leases hold, per account: kept as leases come and go (read for every grant) */
  private readonly heldIn = new Map<string, Record<Quota, number>>();
  private deleteQueue: string[];
  private readonly degraded: Map<string, number>;
  private grantTimes: number[];
  private holdTimes: number[];

  constructor(
    private readonly settings: BookSettings,
    snapshot?: BookSnapshot,
  ) {
    for (const pool of snapshot?.pools ?? []) this.pools.set(pool.name, pool);
    const counted = settings.countedStamps === true;
    const grantTimeEntries = counted && snapshot !== undefined && snapshot.countedStamps !== true;
    for (const { state, ...info } of snapshot?.accounts ?? []) {
      this.accounts.set(info.accountKey, new Account(info, state, counted, grantTimeEntries));
    }
    this.queue = new TenantQueues(snapshot?.queue);
    for (const lease of snapshot?.leases ?? []) this.hold(lease);
    this.deleteQueue = [...(snapshot?.deleteQueue ?? [])];
    this.degraded = new Map(Object.entries(snapshot?.degraded ?? {}));
    this.grantTimes = [...(snapshot?.grantTimes ?? [])];
    this.holdTimes = [...(snapshot?.holdTimes ?? [])];
  }

  /** whether window entries are the latest time ACI may have counted their request (see the header) */
  private get counted(): boolean {
    return this.settings.countedStamps === true;
  }

  /** where a request granted now enters its window when counting so; undefined: at now */
  private countedStamp(account: Account, now: number): number | undefined {
    return this.counted ? now + countLagMs(account.info.windowScale) : undefined;
  }

  /** Pools and accounts as configured (limits may change: the ledger reads them again from time to time). */
  describe(pools: readonly PoolInfo[], accounts: readonly AccountInfo[]): void {
    for (const pool of pools) this.pools.set(pool.name, pool);
    for (const info of accounts) {
      const existing = this.accounts.get(info.accountKey);
      this.accounts.set(info.accountKey, new Account(info, existing?.state(0), this.counted));
    }
  }

  /** Pools that queued runs name but the book does not know yet. */
  unknownPools(): string[] {
    const unknown = new Set<string>();
    for (const request of this.queue.all()) {
      for (const option of request.options) if (!this.pools.has(option.pool)) unknown.add(option.pool);
    }
    return [...unknown];
  }

  accountKeys(): string[] {
    return [...this.accounts.keys()];
  }

  /** Queues a run; a run that holds a lease already (a request sent twice) is told so. */
  request(request: LeaseRequest): 'queued' | 'leased' {
    if (this.leases.has(request.runId)) return 'leased';
    this.queue.add(request);
    return 'queued';
  }

  leaseOf(runId: string): Lease | undefined {
    return this.leases.get(runId);
  }

  /** A run that stopped waiting (cancelled). */
  withdraw(runId: string): void {
    this.queue.remove(runId);
  }

  /**
   * ACI refused a create the ledger allowed: the lease goes back and the run waits again in its old place (not
   * a failure, not a restart). A 429 pauses the whole account; a quota error corrects what the ledger knows of
   * the account (one that says no numbers also cools the pool down); no capacity (ServiceUnavailable) cools
   * the pool down. Either way the run goes to its next pool with room.
   */
  refuse(runId: string, refusal: Refusal, now: number): void {
    const lease = this.leases.get(runId);
    if (!lease) return;
    this.unhold(lease);
    const {
      grantedAt,
      waitedMs,
      pool,
      spot: _spot,
      accountKey,
      deleteCredit: _credit,
      createStamp: _createStamp,
      deleteStamp: _deleteStamp,
      ...request
    } = lease;
    this.queue.add({ ...request, enqueuedAt: grantedAt - waitedMs });
    const account = this.accounts.get(accountKey);
    if (!account) return;
    if (refusal.kind === 'throttled') {
      account.pausedUntil = Math.max(account.pausedUntil, now + refusal.retryAfterMs);
    } else if (refusal.kind === 'capacity') {
      this.degraded.set(pool, now + this.settings.cooldownMs);
    } else if (refusal.quota) {
      this.recordQuota(accountKey, refusal.quota);
    } else {
      // ACI says no without saying how much: the pool is passed over for a cool-down (the run tries its next
      // pool), and the account is taken as full of what the ledger holds until the next reading
      this.degraded.set(pool, now + this.settings.cooldownMs);
      for (const quota of ['cores', 'spotCores', 'groups'] as const) {
        account.external[quota] = Math.max(
          account.external[quota],
          account.limit(quota) - this.held(accountKey, quota),
        );
      }
    }
  }

  /** A reading of one quota (Usages API or an error message): what is used beyond our leases is someone else's. */
  recordQuota(accountKey: string, reading: QuotaReading): void {
    const account = this.accounts.get(accountKey);
    if (!account) return;
    account.reported[reading.name] = reading.limit;
    account.external[reading.name] = Math.max(0, reading.used - this.held(accountKey, reading.name));
  }

  /** The run is about to delete its group: it waits for a delete token. */
  requestDelete(runId: string): void {
    if (!this.deleteQueue.includes(runId)) this.deleteQueue.push(runId);
  }

  /**
   * The run's group is gone (deleted, or never made): its cores and slot are free. A delete reserved with the
   * lease counts from now (from before: a group that was never made may have been deleted all the same), and
   * so does a token's (counted stamps); `createdAt`, when the run's PUT was answered, moves its create's entry.
   */
  release(runId: string, now: number, createdAt?: number): void {
    const lease = this.leases.get(runId);
    const account = this.accounts.get(lease?.accountKey ?? '');
    if (lease && account) {
      const slack = clockSlackMs(account.info.windowScale);
      const goneAt = this.counted ? now + slack : now;
      if (lease.deleteCredit) account.deletes.take(goneAt, now);
      else if (lease.deleteStamp !== undefined) account.deletes.restamp(lease.deleteStamp, goneAt, now);
      if (lease.createStamp !== undefined && createdAt !== undefined) {
        // never before its grant: a time from before it is not this lease's PUT
        account.creates.restamp(lease.createStamp, Math.max(createdAt, lease.grantedAt) + slack, now);
      }
    }
    if (lease) {
      this.holdTimes = [...this.holdTimes, now - lease.grantedAt].slice(-HOLD_TIMES_KEPT);
      this.unhold(lease);
    }
    this.queue.remove(runId);
    this.deleteQueue = this.deleteQueue.filter((id) => id !== runId);
  }

  /**
   * Grants what the budgets, the free capacity, placement and fair share allow now: at most `limit` grants and
   * deletes in all (deletes first), since each is a signal the ledger sends.
   */
  allocate(now: number, limit = Infinity): Allocation {
    const allocation: Allocation = { grants: [], deletes: [] };
    const full = () => {
      if (allocation.grants.length + allocation.deletes.length < limit) return false;
      allocation.limited = true;
      return true;
    };
    const wake = (at: number) => {
      // Infinity: only a signal makes room (a group gone), not time
      if (at > now && at < Infinity) allocation.wakeAt = Math.min(allocation.wakeAt ?? Infinity, at);
    };
    for (const [pool, until] of this.degraded) {
      if (until <= now) this.degraded.delete(pool);
      else wake(until);
    }
    const credits = this.deleteCreditsByAccount();
    this.grantDeletes(now, allocation, wake, credits, full);
    this.grantCreates(now, allocation, wake, credits, full);
    this.grantTimes = this.grantTimes.filter((time) => time > now - 10 * MINUTE * this.timeScale());
    return allocation;
  }

  /**
   * The waiting runs in the order fair share would serve them if capacity freed up one run at a time, with an
   * estimate of each one's start (startEstimates).
   */
  queueView(now: number): QueuedRun[] {
    const held = this.heldByTenant();
    const next = new Map<string, number>(); // tenant → index of its next run
    const tenants = this.queue.tenants();
    const order: LeaseRequest[] = [];
    for (;;) {
      const heads: LeaseRequest[] = [];
      for (const [tenant, queue] of tenants) {
        const head = queue[next.get(tenant) ?? 0];
        if (head) heads.push(head);
      }
      const pick = this.fairest(held, heads, false);
      if (!pick) break;
      order.push(pick);
      next.set(pick.tenant, (next.get(pick.tenant) ?? 0) + 1);
      addHeld(held, pick.tenant, pick.cores);
    }
    const starts = this.startEstimates(order, now);
    return order.map((request, index) => ({
      runId: request.runId,
      tenant: request.tenant,
      jobId: request.jobId,
      position: index + 1,
      estimatedStartAt: Math.round(starts[index]!),
    }));
  }

  standings(): TenantStanding[] {
    const byTenant = new Map<string, TenantStanding>();
    const of = (tenant: string) => {
      let standing = byTenant.get(tenant);
      if (!standing) byTenant.set(tenant, (standing = { tenant, queued: 0, heldCores: 0, heldGroups: 0 }));
      return standing;
    };
    for (const [tenant, queue] of this.queue.tenants()) of(tenant).queued += queue.length;
    for (const lease of this.leases.values()) {
      of(lease.tenant).heldCores += lease.cores;
      of(lease.tenant).heldGroups++;
    }
    return [...byTenant.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
  }

  get queued(): number {
    return this.queue.size;
  }

  leasesHeld(): Lease[] {
    return [...this.leases.values()];
  }

  /** Free capacity of an account: cores (Regular), Spot cores, group slots. */
  free(accountKey: string): Record<Quota, number> {
    const account = this.accounts.get(accountKey);
    if (!account) return { cores: 0, spotCores: 0, groups: 0 };
    const free = (quota: Quota) =>
      account.limit(quota) - account.external[quota] - this.held(accountKey, quota);
    return { cores: free('cores'), spotCores: free('spotCores'), groups: free('groups') };
  }

  pausedUntil(accountKey: string): number {
    return this.accounts.get(accountKey)?.pausedUntil ?? 0;
  }

  degradedPools(now: number): Record<string, number> {
    return Object.fromEntries([...this.degraded].filter(([, until]) => until > now));
  }

  snapshot(now: number): BookSnapshot {
    return {
      pools: [...this.pools.values()],
      accounts: [...this.accounts.values()].map((account) => ({
        ...account.info,
        state: account.state(now),
      })),
      queue: this.queue.all(),
      leases: this.leasesHeld(),
      deleteQueue: [...this.deleteQueue],
      degraded: this.degradedPools(now),
      grantTimes: [...this.grantTimes],
      holdTimes: [...this.holdTimes],
      ...(this.counted && { countedStamps: true }),
    };
  }

  private grantDeletes(
    now: number,
    allocation: Allocation,
    wake: (at: number) => void,
    credits: ReadonlyMap<string, number>,
    full: () => boolean,
  ): void {
    const waiting: string[] = [];
    for (const runId of this.deleteQueue) {
      if (full()) {
        waiting.push(runId);
        continue;
      }
      const lease = this.leases.get(runId);
      const account = this.accounts.get(lease?.accountKey ?? '');
      // a run without a lease (taken back meanwhile) deletes at once: its group must not stay; nor does one
      // whose delete was reserved with its lease
      if (!account || lease?.deleteCredit) {
        allocation.deletes.push(runId);
        continue;
      }
      const promised = credits.get(account.info.accountKey) ?? 0;
      if (now < account.pausedUntil) {
        wake(account.pausedUntil);
        waiting.push(runId);
      } else if (!account.deletes.canTake(now, promised)) {
        wake(account.deletes.nextFreeAt(now, promised));
        waiting.push(runId);
      } else {
        const deleteStamp = this.countedStamp(account, now);
        account.deletes.take(deleteStamp ?? now, now);
        if (deleteStamp !== undefined) this.leases.set(runId, { ...lease!, deleteStamp });
        allocation.deletes.push(runId);
      }
    }
    this.deleteQueue = waiting;
  }

  private grantCreates(
    now: number,
    allocation: Allocation,
    wake: (at: number) => void,
    credits: Map<string, number>,
    full: () => boolean,
  ): void {
    const held = this.heldByTenant();
    const blocked = new Set<string>(); // tenants whose next run fits nowhere now
    const reserved = new Set<string>(); // accounts held for such runs: no backfill there
    while (!full()) {
      const heads: LeaseRequest[] = [];
      for (const [tenant, queue] of this.queue.tenants()) if (!blocked.has(tenant)) heads.push(queue[0]!);
      const next = this.fairest(held, heads, true);
      if (!next) break;
      const usable = next.options.filter(
        (option) => this.pools.has(option.pool) && !this.degraded.has(option.pool),
      );
      if (usable.length === 0) {
        // every pool it may use is cooling down (or unknown yet): it waits for the first to come back
        blocked.add(next.tenant);
        continue;
      }
      const option = usable.find((candidate) => {
        const accountKey = this.pools.get(candidate.pool)!.accountKey;
        return !reserved.has(accountKey) && this.fits(next, candidate, now, wake);
      });
      if (!option) {
        for (const candidate of usable) reserved.add(this.pools.get(candidate.pool)!.accountKey);
        blocked.add(next.tenant);
        continue;
      }
      const accountKey = this.pools.get(option.pool)!.accountKey;
      const account = this.accounts.get(accountKey)!;
      const createStamp = this.countedStamp(account, now);
      account.creates.take(createStamp ?? now, now);
      this.queue.remove(next.runId);
      const promised = credits.get(accountKey) ?? 0;
      const deleteCredit = this.settings.deleteCredits === true && account.deletes.canTake(now, promised);
      if (deleteCredit) credits.set(accountKey, promised + 1);
      const lease: Lease = {
        ...next,
        pool: option.pool,
        spot: option.spot,
        accountKey,
        grantedAt: now,
        waitedMs: now - next.enqueuedAt,
        ...(deleteCredit && { deleteCredit }),
        ...(createStamp !== undefined && { createStamp }),
      };
      this.hold(lease);
      this.grantTimes.push(now);
      addHeld(held, lease.tenant, lease.cores);
      allocation.grants.push(lease);
    }
  }

  /** Whether the run can have a lease in this pool now; when not for a reason that passes in time, when. */
  private fits(
    request: LeaseRequest,
    option: PlacementOption,
    now: number,
    wake: (at: number) => void,
  ): boolean {
    const pool = this.pools.get(option.pool)!;
    if (option.spot && !pool.spot) return false;
    const account = this.accounts.get(pool.accountKey);
    if (!account) return false;
    if (now < account.pausedUntil) {
      wake(account.pausedUntil);
      return false;
    }
    if (!account.creates.canTake(now)) {
      wake(account.creates.nextFreeAt(now));
      return false;
    }
    const free = this.free(pool.accountKey);
    return free.groups >= 1 && free[option.spot ? 'spotCores' : 'cores'] >= request.cores;
  }

  /** Cores (Regular or Spot) or group slots held by leases in an account. */
  private held(accountKey: string, quota: Quota): number {
    return this.heldIn.get(accountKey)?.[quota] ?? 0;
  }

  private hold(lease: Lease): void {
    this.leases.set(lease.runId, lease);
    this.countHeld(lease, 1);
  }

  private unhold(lease: Lease): void {
    this.leases.delete(lease.runId);
    this.countHeld(lease, -1);
  }

  private countHeld(lease: Lease, sign: 1 | -1): void {
    let held = this.heldIn.get(lease.accountKey);
    if (!held) this.heldIn.set(lease.accountKey, (held = { cores: 0, spotCores: 0, groups: 0 }));
    held.groups += sign;
    held[lease.spot ? 'spotCores' : 'cores'] += sign * lease.cores;
  }

  /** Deletes promised with leases and not yet counted, per account. */
  private deleteCreditsByAccount(): Map<string, number> {
    const credits = new Map<string, number>();
    for (const lease of this.leases.values()) {
      if (lease.deleteCredit) credits.set(lease.accountKey, (credits.get(lease.accountKey) ?? 0) + 1);
    }
    return credits;
  }

  private heldByTenant(): Map<string, { cores: number; groups: number }> {
    const held = new Map<string, { cores: number; groups: number }>();
    for (const lease of this.leases.values()) addHeld(held, lease.tenant, lease.cores);
    return held;
  }

  /**
   * The run fair share serves next among the tenants' next runs (`heads`): the tenant with the least
   * (held + asked) cores per weight, ties to the earlier request. With `withCaps`, tenants at their caps are
   * passed over.
   */
  private fairest(
    held: Map<string, { cores: number; groups: number }>,
    heads: readonly LeaseRequest[],
    withCaps: boolean,
  ): LeaseRequest | undefined {
    let best: { request: LeaseRequest; share: number } | undefined;
    for (const head of heads) {
      const policy = this.settings.policyOf(head.tenant);
      const mine = held.get(head.tenant) ?? { cores: 0, groups: 0 };
      if (withCaps) {
        if (policy.maxCores !== undefined && mine.cores + head.cores > policy.maxCores) continue;
        if (policy.maxGroups !== undefined && mine.groups + 1 > policy.maxGroups) continue;
      }
      const share = (mine.cores + head.cores) / policy.weight;
      if (
        !best ||
        share < best.share ||
        (share === best.share && head.enqueuedAt < best.request.enqueuedAt)
      ) {
        best = { request: head, share };
      }
    }
    return best?.request;
  }

  /**
   * When each queued run (in serving order) should start. Until lease hold times are known: at the recent grant
   * rate. Then: when its cores come free (every lease held ends a typical hold, the median of recent ones, after
   * its grant, and every run started before it a typical hold after its start), but no sooner than the create
   * budgets allow. One model for all accounts, Regular and Spot cores alike.
   */
  private startEstimates(order: readonly LeaseRequest[], now: number): number[] {
    const paused = Math.min(...[...this.accounts.values()].map((account) => account.pausedUntil), Infinity);
    const start = Math.max(now, paused === Infinity ? now : paused);
    const holdsKnown = this.holdTimes.length >= MIN_HOLD_TIMES;
    const perMs = holdsKnown ? this.budgetRatePerMs() : this.grantRatePerMs(now);
    const byRate = order.map((_, index) => start + (index + 1) / perMs);
    if (!holdsKnown) return byRate;
    const hold = median(this.holdTimes);
    let freeCores = 0;
    for (const accountKey of this.accounts.keys()) freeCores += Math.max(0, this.free(accountKey).cores);
    // cores coming free, earliest first
    const frees = this.leasesHeld()
      .map((lease) => ({ at: Math.max(start, lease.grantedAt + hold), cores: lease.cores }))
      .sort((a, b) => a.at - b.at);
    let freeFrom = start; // when the cores counted in freeCores are all free
    return order.map((request, index) => {
      while (freeCores < request.cores && frees.length > 0) {
        const next = frees.shift()!;
        freeCores += next.cores;
        freeFrom = Math.max(freeFrom, next.at);
      }
      freeCores -= request.cores;
      const ends = { at: freeFrom + hold, cores: request.cores };
      frees.splice(
        indexAfter(frees, ends.at, (free) => free.at),
        0,
        ends,
      );
      return Math.max(byRate[index]!, freeFrom);
    });
  }

  private timeScale(): number {
    return Math.min(...[...this.accounts.values()].map((account) => account.info.windowScale), 1);
  }

  /**
   * Grants per ms lately (over the last 10 minutes, or since the first grant in them: a ledger granting for a
   * minute has a minute's rate); with fewer than 3 grants, what the create budgets allow.
   */
  private grantRatePerMs(now: number): number {
    const span = 10 * MINUTE * this.timeScale();
    const recent = this.grantTimes.filter((time) => time > now - span);
    if (recent.length >= 3) return recent.length / Math.max(now - recent[0]!, MINUTE * this.timeScale());
    return this.budgetRatePerMs();
  }

  /** Creates per ms the accounts' budgets allow over an hour (or 5 minutes, when that is lower). */
  private budgetRatePerMs(): number {
    let rate = 0;
    for (const { info } of this.accounts.values()) {
      const scale = info.windowScale * WINDOW_MARGIN;
      rate += Math.min(
        info.limits.createsPer5Min / (5 * MINUTE * scale),
        info.limits.createsPerHour / (60 * MINUTE * scale),
      );
    }
    return rate || 1 / MINUTE;
  }
}

/** Hold times kept for start estimates, and how many make an estimate. */
const HOLD_TIMES_KEPT = 50;
const MIN_HOLD_TIMES = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function addHeld(held: Map<string, { cores: number; groups: number }>, tenant: string, cores: number): void {
  const mine = held.get(tenant) ?? { cores: 0, groups: 0 };
  held.set(tenant, { cores: mine.cores + cores, groups: mine.groups + 1 });
}

/** Within a tenant: lower priority number first, then the earlier request. */
function before(a: LeaseRequest, b: LeaseRequest): boolean {
  return a.priority !== b.priority ? a.priority < b.priority : a.enqueuedAt < b.enqueuedAt;
}
