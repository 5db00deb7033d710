/**
 * One account of ACI capacity (a subscription and region): the queue of runs waiting for a lease, the leases
 * held, and the create and delete budgets. Pure and deterministic (times are passed in): the admission ledger
 * workflow owns one, and carries its snapshot across continue-as-new.
 *
 * Fair share, stated: among tenants with runs waiting, the next lease goes to the tenant with the least
 * cores held per unit of weight, counting the run it would get ((held + asked) / weight); ties go to the
 * earliest request. Within a tenant, a lower priority number goes first (1 before 5, as Temporal's priority
 * keys), then submission order. Holding cores in proportion to the weights at every moment gives each tenant
 * core-seconds in proportion to its weight while all are backlogged, whatever its runs' sizes and durations; a
 * tenant that arrives late holds nothing and is served next. Tenants at their caps (cores, groups) are passed
 * over. When the fairest run does not fit in the free cores or group slots, nothing is granted until it does
 * (no backfill), so that big runs are not starved by small ones.
 */
import type { LeaseRequest, QueuedRun, QuotaReading, Refusal, TenantStanding } from '../shared/capacity';
import type { PoolLimits, TenantPolicy } from './config';
import { SlidingWindows } from './windows';

const MINUTE = 60_000;
/** How much longer than ACI's the ledger's windows are (see the constructor). */
export const WINDOW_MARGIN = 1.02;

/** A granted request: the run may create its group (and holds its cores and slot until the group is gone). */
export interface Lease extends LeaseRequest {
  grantedAt: number;
  /** how long the run waited */
  waitedMs: number;
}

export interface AccountSettings {
  limits: PoolLimits;
  /** 1 = real time; below 1 compresses the 5-minute and 1-hour windows (tests, the bench) */
  windowScale: number;
  policyOf(tenant: string): TenantPolicy;
}

export interface AccountSnapshot {
  queue: LeaseRequest[];
  leases: Lease[];
  /** runs waiting for a delete token, in order */
  deleteQueue: string[];
  creates: number[];
  deletes: number[];
  pausedUntil: number;
  /** cores and groups used in the account outside the ledger (other deployments, by hand) */
  external: { cores: number; groups: number };
  /** the limits ACI reported last (the Usages API), over the configured ones */
  reported: { cores?: number; groups?: number };
  /** recent grant times, for start estimates */
  grantTimes: number[];
}

export interface Allocation {
  grants: Lease[];
  /** runs that may delete their group now */
  deletes: string[];
  /** when to allocate again if nothing else happens (a window frees, a pause ends) */
  wakeAt?: number;
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

  has(runId: string): boolean {
    return this.tenantOf.has(runId);
  }

  add(request: LeaseRequest): void {
    if (this.tenantOf.has(request.runId)) return;
    let queue = this.byTenant.get(request.tenant);
    if (!queue) this.byTenant.set(request.tenant, (queue = []));
    // insert after every request that is served before it (binary search on the serving order)
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

  /** Each tenant's next run. */
  heads(): LeaseRequest[] {
    return [...this.byTenant.values()].map((queue) => queue[0]!);
  }

  /** Tenant → its queue in serving order (for the queue view; do not modify). */
  tenants(): ReadonlyMap<string, readonly LeaseRequest[]> {
    return this.byTenant;
  }

  all(): LeaseRequest[] {
    return [...this.byTenant.values()].flat();
  }
}

export class CapacityAccount {
  private readonly queue: TenantQueues;
  private readonly leases = new Map<string, Lease>();
  private deleteQueue: string[];
  private readonly creates: SlidingWindows;
  private readonly deletes: SlidingWindows;
  private pausedUntil: number;
  private external: { cores: number; groups: number };
  private reported: { cores?: number; groups?: number };
  private grantTimes: number[];

  constructor(
    private readonly settings: AccountSettings,
    snapshot?: AccountSnapshot,
  ) {
    const { limits, windowScale } = settings;
    // counted at grant time, while ACI counts at the PUT a moment later: a slightly longer window keeps
    // ACI's count within its limit even when earlier grants' PUTs come late
    const windows = (per5Min: number, perHour: number) => [
      { windowMs: 5 * MINUTE * windowScale * WINDOW_MARGIN, max: per5Min },
      { windowMs: 60 * MINUTE * windowScale * WINDOW_MARGIN, max: perHour },
    ];
    this.queue = new TenantQueues(snapshot?.queue);
    for (const lease of snapshot?.leases ?? []) this.leases.set(lease.runId, lease);
    this.deleteQueue = [...(snapshot?.deleteQueue ?? [])];
    this.creates = new SlidingWindows(
      windows(limits.createsPer5Min, limits.createsPerHour),
      snapshot?.creates,
    );
    this.deletes = new SlidingWindows(
      windows(limits.deletesPer5Min, limits.deletesPerHour),
      snapshot?.deletes,
    );
    this.pausedUntil = snapshot?.pausedUntil ?? 0;
    this.external = snapshot?.external ?? { cores: 0, groups: 0 };
    this.reported = snapshot?.reported ?? {};
    this.grantTimes = [...(snapshot?.grantTimes ?? [])];
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
   * ACI refused a create the ledger allowed: the lease goes back and the run waits again in its old place
   * (not a failure, not a restart). A 429 pauses the whole account; a quota error corrects what the ledger
   * knows of the account.
   */
  refuse(runId: string, refusal: Refusal, now: number): void {
    const lease = this.leases.get(runId);
    if (!lease) return;
    this.leases.delete(runId);
    const { grantedAt, waitedMs, ...request } = lease;
    this.queue.add({ ...request, enqueuedAt: grantedAt - waitedMs });
    if (refusal.kind === 'throttled') {
      this.pausedUntil = Math.max(this.pausedUntil, now + refusal.retryAfterMs);
    } else if (refusal.quota) {
      this.recordQuota(refusal.quota);
    } else {
      // ACI says no without saying how much: assume what the ledger holds is all there is, until the next reading
      this.external = {
        cores: Math.max(this.external.cores, this.limit('cores') - this.heldCores()),
        groups: Math.max(this.external.groups, this.limit('groups') - this.leases.size),
      };
    }
  }

  /** A reading of one quota (Usages API or an error message): what is used beyond our leases is someone else's. */
  recordQuota(reading: QuotaReading): void {
    this.reported[reading.name] = reading.limit;
    const ours = reading.name === 'cores' ? this.heldCores() : this.leases.size;
    this.external[reading.name] = Math.max(0, reading.used - ours);
  }

  /** The run is about to delete its group: it waits for a delete token. */
  requestDelete(runId: string): void {
    if (!this.deleteQueue.includes(runId)) this.deleteQueue.push(runId);
  }

  /** The run's group is gone (deleted, or never made): its cores and slot are free. */
  release(runId: string): void {
    this.leases.delete(runId);
    this.withdraw(runId);
    this.deleteQueue = this.deleteQueue.filter((id) => id !== runId);
  }

  /** Grants what the budgets, the free capacity and fair share allow now. */
  allocate(now: number): Allocation {
    const allocation: Allocation = { grants: [], deletes: [] };
    const wake = (at: number) => {
      if (at > now) allocation.wakeAt = Math.min(allocation.wakeAt ?? Infinity, at);
    };
    if (now < this.pausedUntil) {
      wake(this.pausedUntil);
      return allocation;
    }
    while (this.deleteQueue.length > 0) {
      if (!this.deletes.canTake(now)) {
        wake(this.deletes.nextFreeAt(now));
        break;
      }
      this.deletes.take(now);
      allocation.deletes.push(this.deleteQueue.shift()!);
    }
    const held = this.heldByTenant();
    while (this.queue.size > 0) {
      if (!this.creates.canTake(now)) {
        wake(this.creates.nextFreeAt(now));
        break;
      }
      const next = this.fairest(held, true, this.queue.heads());
      if (!next || next.cores > this.freeCores() || this.freeGroups() < 1) break;
      this.creates.take(now);
      this.queue.remove(next.runId);
      const mine = held.get(next.tenant) ?? { cores: 0, groups: 0 };
      held.set(next.tenant, { cores: mine.cores + next.cores, groups: mine.groups + 1 });
      const lease: Lease = { ...next, grantedAt: now, waitedMs: now - next.enqueuedAt };
      this.leases.set(lease.runId, lease);
      this.grantTimes.push(now);
      allocation.grants.push(lease);
    }
    this.grantTimes = this.grantTimes.filter((time) => time > now - 10 * MINUTE * this.settings.windowScale);
    return allocation;
  }

  /**
   * The waiting runs in the order fair share would serve them if capacity freed up one run at a time, with an
   * estimate of each one's start from the recent grant rate (or, with too few grants yet, the create budget).
   */
  queueView(now: number): QueuedRun[] {
    const held = this.heldByTenant();
    const next = new Map<string, number>(); // tenant → index of its next run in its queue
    const order: LeaseRequest[] = [];
    const tenants = this.queue.tenants();
    for (;;) {
      const heads = [...tenants].flatMap(([tenant, queue]) =>
        queue.slice(next.get(tenant) ?? 0, (next.get(tenant) ?? 0) + 1),
      );
      const pick = this.fairest(held, false, heads);
      if (!pick) break;
      order.push(pick);
      next.set(pick.tenant, (next.get(pick.tenant) ?? 0) + 1);
      const mine = held.get(pick.tenant) ?? { cores: 0, groups: 0 };
      held.set(pick.tenant, { cores: mine.cores + pick.cores, groups: mine.groups + 1 });
    }
    const perMs = this.grantRatePerMs(now);
    const start = Math.max(now, this.pausedUntil);
    return order.map((request, index) => ({
      runId: request.runId,
      tenant: request.tenant,
      jobId: request.jobId,
      position: index + 1,
      estimatedStartAt: Math.round(start + (index + 1) / perMs),
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

  snapshot(now: number): AccountSnapshot {
    return {
      queue: this.queue.all(),
      leases: this.leasesHeld(),
      deleteQueue: [...this.deleteQueue],
      creates: this.creates.snapshot(now),
      deletes: this.deletes.snapshot(now),
      pausedUntil: this.pausedUntil,
      external: { ...this.external },
      reported: { ...this.reported },
      grantTimes: [...this.grantTimes],
    };
  }

  freeCores(): number {
    return this.limit('cores') - this.external.cores - this.heldCores();
  }

  freeGroups(): number {
    return this.limit('groups') - this.external.groups - this.leases.size;
  }

  private limit(name: 'cores' | 'groups'): number {
    return Math.min(this.settings.limits[name], this.reported[name] ?? Infinity);
  }

  private heldCores(): number {
    let cores = 0;
    for (const lease of this.leases.values()) cores += lease.cores;
    return cores;
  }

  private heldByTenant(): Map<string, { cores: number; groups: number }> {
    const held = new Map<string, { cores: number; groups: number }>();
    for (const lease of this.leases.values()) {
      const mine = held.get(lease.tenant) ?? { cores: 0, groups: 0 };
      held.set(lease.tenant, { cores: mine.cores + lease.cores, groups: mine.groups + 1 });
    }
    return held;
  }

  /**
   * The run fair share serves next among the tenants' next runs (`heads`): the tenant with the least
   * (held + asked) cores per weight, ties to the earlier request. With `withCaps`, tenants at their caps are
   * passed over.
   */
  private fairest(
    held: Map<string, { cores: number; groups: number }>,
    withCaps: boolean,
    heads: readonly LeaseRequest[],
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

  /** Grants per ms lately; with fewer than 3 grants in the last 10 minutes, what the create budget allows. */
  private grantRatePerMs(now: number): number {
    const span = 10 * MINUTE * this.settings.windowScale;
    const recent = this.grantTimes.filter((time) => time > now - span).length;
    if (recent >= 3) return recent / span;
    const { createsPer5Min, createsPerHour } = this.settings.limits;
    const scale = this.settings.windowScale;
    return Math.min(createsPer5Min / (5 * MINUTE * scale), createsPerHour / (60 * MINUTE * scale));
  }
}

/** Within a tenant: lower priority number first, then the earlier request. */
function before(a: LeaseRequest, b: LeaseRequest): boolean {
  return a.priority !== b.priority ? a.priority < b.priority : a.enqueuedAt < b.enqueuedAt;
}
