/**
 * The admission ledger's decisions, as pure code: fair share between tenants by weight, caps, priorities,
 * the create and delete budgets, 429 pauses, quota corrections, placement over several pools (spreading,
 * capacity failover, Spot), and continue-as-new (snapshot and restore).
 */
import { describe, expect, it } from 'vitest';
import {
  CapacityBook,
  clockSlackMs,
  countLagMs,
  ledgerWindowMs,
  quietTurn,
  type BookSnapshot,
} from '../../src/capacity/book';
import { packSnapshot, unpackSnapshot } from '../../src/capacity/packed-snapshot';
import { ACI_DEFAULT_LIMITS, type PoolLimits, type TenantPolicy } from '../../src/capacity/config';
import type { LeaseRequest } from '../../src/shared/capacity';

/** One pool `p` in one account, with these limits (and more pools where a test adds them). */
class CapacityAccount extends CapacityBook {
  constructor(config: Config, snapshot?: BookSnapshot) {
    super(
      {
        policyOf: (tenant) => config.policyOf(tenant),
        cooldownMs: 60_000,
        deleteCredits: config.deleteCredits,
        countedStamps: config.countedStamps,
      },
      snapshot,
    );
    if (!snapshot)
      this.describe(
        [{ name: 'p', accountKey: 'sub/eastus', spot: false }],
        [{ accountKey: 'sub/eastus', limits: config.limits, windowScale: 1 }],
      );
  }

  refuseIn(runId: string, refusal: Parameters<CapacityBook['refuse']>[1], now: number) {
    this.refuse(runId, refusal, now);
  }

  freeCores(): number {
    return this.free('sub/eastus').cores;
  }

  recordCores(reading: { limit: number; used: number }) {
    this.recordQuota('sub/eastus', { name: 'cores', ...reading });
  }
}

interface Config {
  limits: PoolLimits;
  policyOf(tenant: string): TenantPolicy;
  deleteCredits?: boolean;
  countedStamps?: boolean;
}

function settings(limits: Partial<PoolLimits>, policies: Record<string, Partial<TenantPolicy>> = {}): Config {
  return {
    limits: { ...ACI_DEFAULT_LIMITS, ...limits },
    policyOf: (tenant) => ({ weight: 1, defaultPriority: 3, ...policies[tenant] }),
  };
}

let seq = 0;
function request(tenant: string, overrides: Partial<LeaseRequest> = {}): LeaseRequest {
  seq++;
  return {
    runId: `${tenant}.job.${seq}`,
    tenant,
    jobId: 'job',
    priority: 3,
    cores: 1,
    options: [{ pool: 'p', spot: false }],
    enqueuedAt: seq,
    groupName: `g-${seq}`,
    ...overrides,
  };
}

describe('fair share', () => {
  it('gives three backlogged tenants of weights 1:1:2 core-seconds within 5 points of 25/25/50%, through a continue-as-new and a late small tenant', () => {
    const weights = { a: 1, b: 1, c: 2 };
    // cores and groups bind here, not the create and delete budgets
    const unbounded = { createsPer5Min: 1e6, createsPerHour: 1e6, deletesPer5Min: 1e6, deletesPerHour: 1e6 };
    const config = settings(
      { cores: 20, groups: 15, ...unbounded },
      { a: { weight: 1 }, b: { weight: 1 }, c: { weight: 2 }, late: { weight: 1 } },
    );
    let account = new CapacityAccount(config);
    // mixed sizes and durations: a's runs are small and short, b's mixed, c's mixed and some big
    const sizes: Record<string, number[]> = { a: [1], b: [2, 0.5], c: [1, 4], late: [1] };
    const durations: Record<string, number> = { a: 3000, b: 5000, c: 2000, late: 4000 };
    for (const tenant of Object.keys(weights)) {
      for (let i = 0; i < 300; i++)
        account.request(
          request(tenant, { cores: sizes[tenant]![i % sizes[tenant]!.length]!, enqueuedAt: i }),
        );
    }
    const running = new Map<string, { tenant: string; cores: number; endsAt: number }>();
    const coreMs: Record<string, number> = { a: 0, b: 0, c: 0 };
    let lateFirstGrantAt: number | undefined;
    let maxCores = 0;
    for (let now = 0; now < 400_000; now += 100) {
      if (now === 100_000) for (let i = 0; i < 50; i++) account.request(request('late', { enqueuedAt: now }));
      // continue-as-new mid-contention: the ledger goes on from its snapshot (through JSON, as in history)
      if (now === 200_000)
        account = new CapacityAccount(
          config,
          JSON.parse(JSON.stringify(account.snapshot(now))) as BookSnapshot,
        );
      for (const [runId, run] of running) if (run.endsAt <= now) account.requestDelete(runId);
      const allocation = account.allocate(now);
      for (const runId of allocation.deletes) {
        account.release(runId, now);
        running.delete(runId);
      }
      for (const lease of allocation.grants) {
        running.set(lease.runId, {
          tenant: lease.tenant,
          cores: lease.cores,
          endsAt: now + durations[lease.tenant]!,
        });
        if (lease.tenant === 'late') lateFirstGrantAt ??= now;
      }
      const held = [...running.values()].reduce((sum, run) => sum + run.cores, 0);
      maxCores = Math.max(maxCores, held);
      expect(running.size).toBeLessThanOrEqual(15);
      const backlogged = ['a', 'b', 'c'].every(
        (tenant) => account.standings().find((s) => s.tenant === tenant)?.queued,
      );
      if (!backlogged) continue;
      for (const run of running.values()) if (run.tenant in coreMs) coreMs[run.tenant]! += run.cores * 100;
    }
    expect(maxCores).toBeLessThanOrEqual(20);
    const total = coreMs.a! + coreMs.b! + coreMs.c!;
    expect(total).toBeGreaterThan(0);
    expect(Math.abs((100 * coreMs.a!) / total - 25)).toBeLessThan(5);
    expect(Math.abs((100 * coreMs.b!) / total - 25)).toBeLessThan(5);
    expect(Math.abs((100 * coreMs.c!) / total - 50)).toBeLessThan(5);
    // the small tenant that arrived late is served at once, not after the backlog
    expect(lateFirstGrantAt! - 100_000).toBeLessThan(5_000);
  });

  it('serves a higher priority first within a tenant, then submission order', () => {
    const account = new CapacityAccount(settings({ groups: 1 }));
    account.request(request('a', { runId: 'low', priority: 5, enqueuedAt: 1 }));
    account.request(request('a', { runId: 'first', priority: 3, enqueuedAt: 2 }));
    account.request(request('a', { runId: 'urgent', priority: 1, enqueuedAt: 3 }));
    const order: string[] = [];
    for (let now = 0; order.length < 3; now += 1000) {
      const { grants } = account.allocate(now);
      for (const lease of grants) {
        order.push(lease.runId);
        account.release(lease.runId, now);
      }
    }
    expect(order).toEqual(['urgent', 'first', 'low']);
  });

  it("never exceeds a tenant's caps, and passes over a capped tenant", () => {
    const account = new CapacityAccount(settings({ cores: 100 }, { small: { maxCores: 2, maxGroups: 5 } }));
    for (let i = 0; i < 5; i++) account.request(request('small'));
    for (let i = 0; i < 3; i++) account.request(request('other'));
    const { grants } = account.allocate(0);
    expect(grants.filter((lease) => lease.tenant === 'small')).toHaveLength(2);
    expect(grants.filter((lease) => lease.tenant === 'other')).toHaveLength(3);
  });

  it('waits for a big run that does not fit rather than starving it with small ones', () => {
    const account = new CapacityAccount(settings({ cores: 4 }));
    account.request(request('a', { runId: 'a1', enqueuedAt: 1 }));
    account.request(request('b', { runId: 'big', cores: 4, enqueuedAt: 2 }));
    account.request(request('a', { runId: 'a2', enqueuedAt: 3 }));
    account.request(request('a', { runId: 'a3', enqueuedAt: 4 }));
    account.request(request('a', { runId: 'a4', enqueuedAt: 5 }));
    // a is fairer ((held + 1) / 1 < 4 / 1) until its share ties b's: then b's earlier request is next
    expect(account.allocate(0).grants.map((lease) => lease.runId)).toEqual(['a1', 'a2', 'a3']);
    // b does not fit in the one free core, and a gets nothing more meanwhile
    expect(account.allocate(1).grants).toEqual([]);
    for (const runId of ['a1', 'a2', 'a3']) account.release(runId, 1);
    // a holds nothing now: its last run is fairer, and b waits for the cores it needs
    expect(account.allocate(2).grants.map((lease) => lease.runId)).toEqual(['a4']);
    account.release('a4', 2);
    expect(account.allocate(3).grants.map((lease) => lease.runId)).toEqual(['big']);
  });
});

describe('budgets', () => {
  it('paces creates to both windows and says when to come back', () => {
    const account = new CapacityAccount(settings({ createsPer5Min: 2, createsPerHour: 3 }));
    for (let i = 0; i < 5; i++) account.request(request('a'));
    const first = account.allocate(0);
    expect(first.grants).toHaveLength(2);
    // the ledger's windows are longer than ACI's: grants are counted before the PUT
    const fiveMinutes = ledgerWindowMs(300_000, 1);
    expect(first.wakeAt).toBe(fiveMinutes);
    expect(account.allocate(fiveMinutes).grants).toHaveLength(1);
    const hourly = account.allocate(2 * fiveMinutes);
    expect(hourly.grants).toHaveLength(0);
    expect(hourly.wakeAt).toBe(ledgerWindowMs(3_600_000, 1));
  });

  it('paces deletes, and frees the slot only when the group is gone', () => {
    const account = new CapacityAccount(settings({ groups: 2, deletesPer5Min: 1 }));
    for (let i = 0; i < 3; i++) account.request(request('a', { runId: `r${i}` }));
    expect(account.allocate(0).grants.map((lease) => lease.runId)).toEqual(['r0', 'r1']);
    account.requestDelete('r0');
    account.requestDelete('r1');
    const allocation = account.allocate(1);
    expect(allocation.deletes).toEqual(['r0']);
    expect(allocation.grants).toEqual([]); // r0 still exists until it reports it is gone
    expect(allocation.wakeAt).toBe(1 + ledgerWindowMs(300_000, 1)); // the first delete (at 1) leaves the window
    account.release('r0', 1);
    expect(account.allocate(2).grants.map((lease) => lease.runId)).toEqual(['r2']);
  });

  it('reserves a delete with the lease while the delete windows have room; the run deletes without asking, and the delete counts once its group is gone', () => {
    const fiveMinutes = ledgerWindowMs(300_000, 1);
    const account = new CapacityAccount({
      ...settings({ groups: 10, deletesPer5Min: 3 }),
      deleteCredits: true,
    });
    for (let i = 0; i < 5; i++) account.request(request('a', { runId: `r${i}` }));
    const grants = account.allocate(0).grants;
    // three promised deletes fill the 5-minute window: the last two leases ask for a token as before
    expect(grants.map((lease) => lease.deleteCredit ?? false)).toEqual([true, true, true, false, false]);
    account.requestDelete('r0'); // a run with a reserved delete that asks anyway is answered at once
    account.requestDelete('r3');
    let allocation = account.allocate(1);
    expect(allocation.deletes).toEqual(['r0']);
    // the promises alone fill the window: only a group gone makes room, so no timer
    expect(allocation.wakeAt).toBeUndefined();
    account.release('r0', 10);
    allocation = account.allocate(10);
    // the delete counted at 10, with two still promised: the window is full until that one leaves it
    expect(allocation.deletes).toEqual([]);
    expect(allocation.wakeAt).toBe(10 + fiveMinutes);
    account.release('r1', 20);
    account.release('r2', 20);
    expect(account.allocate(10 + fiveMinutes).deletes).toEqual(['r3']);
    // a refused create gives its reservation back: the run's next lease carries one again
    account.request(request('a', { runId: 'r5' }));
    const [r5] = account.allocate(20 + fiveMinutes).grants;
    expect(r5?.deleteCredit).toBe(true);
    account.refuse('r5', { kind: 'throttled', retryAfterMs: 1 }, 21 + fiveMinutes);
    expect(account.allocate(22 + fiveMinutes).grants.map((lease) => lease.deleteCredit)).toEqual([true]);
  });

  it('grants no delete with a lease unless the ledger says so (a ledger started before the change)', () => {
    const account = new CapacityAccount(settings({}));
    account.request(request('a'));
    expect(account.allocate(0).grants[0]?.deleteCredit).toBeUndefined();
  });

  it("counted stamps: a create counts from a short lag after its grant, then from when its PUT was answered; the windows are ACI's own", () => {
    const hour = 3_600_000;
    const lag = countLagMs(1);
    const slack = clockSlackMs(1);
    const account = new CapacityAccount({
      ...settings({ createsPer5Min: 10, createsPerHour: 2 }),
      countedStamps: true,
    });
    for (let i = 0; i < 3; i++) account.request(request('a', { runId: `r${i}` }));
    let allocation = account.allocate(0);
    expect(allocation.grants.map((lease) => lease.createStamp)).toEqual([lag, lag]);
    // not yet told when the PUTs were answered: ACI may have counted them as late as the lag
    expect(allocation.wakeAt).toBe(lag + hour);
    // r0's PUT was answered at 500 ms (before the lag); r1 says nothing (e.g. its lease was taken back)
    account.release('r0', 400_000, 500);
    account.release('r1', 400_000);
    allocation = account.allocate(400_000);
    expect(allocation.wakeAt).toBe(500 + slack + hour);
    // an hour after the PUT, not an hour plus 2% (72 s) plus 3 s after the grant as with grant times
    expect(account.allocate(500 + slack + hour).grants.map((lease) => lease.runId)).toEqual(['r2']);
    expect(500 + slack + hour).toBeLessThan(ledgerWindowMs(hour, 1));
  });

  it("counted stamps: a token's delete counts from a lag after the token until the group is gone, then from then; a time from before the grant is not the PUT", () => {
    const fiveMinutes = 300_000;
    const lag = countLagMs(1);
    const slack = clockSlackMs(1);
    const account = new CapacityAccount({
      ...settings({ groups: 3, deletesPer5Min: 1, createsPer5Min: 1 }),
      countedStamps: true,
    });
    account.request(request('a', { runId: 'r0' }));
    account.request(request('a', { runId: 'r1' }));
    expect(account.allocate(0).grants).toHaveLength(1);
    account.requestDelete('r0');
    let allocation = account.allocate(1_000);
    expect(allocation.deletes).toEqual(['r0']);
    // the create (stamped at the lag) holds r1 back; a createdAt before the grant moves it to the grant only
    account.release('r0', 2_000, -50_000);
    allocation = account.allocate(2_000);
    expect(allocation.wakeAt).toBe(slack + fiveMinutes);
    const [r1] = account.allocate(slack + fiveMinutes).grants;
    expect(r1?.runId).toBe('r1');
    // the delete token of r0 (stamped at 1 s + lag) moved to its release at 2 s: r1's delete waits for that
    account.requestDelete('r1');
    allocation = account.allocate(slack + fiveMinutes);
    expect(allocation.deletes).toEqual([]);
    expect(allocation.wakeAt).toBe(2_000 + slack + fiveMinutes);
    expect(2_000 + slack).toBeLessThan(1_000 + lag);
  });

  it("counted stamps: a snapshot from a ledger before them moves its grant times by the hour's margin", () => {
    const old = new CapacityAccount(settings({ createsPer5Min: 10, createsPerHour: 1 }));
    old.request(request('a'));
    old.allocate(0);
    const snapshot = old.snapshot(1);
    expect(snapshot.countedStamps).toBeUndefined();
    const counted = new CapacityAccount(
      { ...settings({ createsPer5Min: 10, createsPerHour: 1 }), countedStamps: true },
      snapshot,
    );
    counted.request(request('a'));
    // the grant at 0 counts as long as the old ledger would have counted it, no shorter
    expect(counted.allocate(2).wakeAt).toBe(ledgerWindowMs(3_600_000, 1));
    expect(counted.snapshot(3).countedStamps).toBe(true);
  });

  it('a 429 pauses the whole account for its Retry-After and sends the run back to its place', () => {
    const account = new CapacityAccount(settings({}));
    account.request(request('a', { runId: 'x', enqueuedAt: 0 }));
    account.request(request('a', { runId: 'y', enqueuedAt: 5 }));
    account.allocate(10);
    account.refuse('x', { kind: 'throttled', retryAfterMs: 30_000 }, 20);
    expect(account.allocate(1000)).toEqual({ grants: [], deletes: [], wakeAt: 30_020 });
    const after = account.allocate(30_020).grants;
    expect(after.map((lease) => lease.runId)).toEqual(['x']);
    expect(after[0]!.waitedMs).toBe(30_020); // its wait counts from its first request
  });

  it('a quota error corrects what the ledger knows: groups used outside it reduce what it grants', () => {
    const account = new CapacityAccount(settings({ cores: 10, groups: 100 }));
    for (let i = 0; i < 10; i++) account.request(request('a', { runId: `r${i}` }));
    expect(account.allocate(0).grants).toHaveLength(10);
    // ACI says 10 of 10 cores are used, while the ledger holds only 2 after releases: 8 are someone else's
    for (let i = 2; i < 10; i++) account.release(`r${i}`, 0);
    account.request(request('a', { runId: 'next' }));
    account.refuse('r1', { kind: 'quota', quota: { name: 'cores', limit: 10, used: 10 } }, 1);
    expect(account.freeCores()).toBe(0);
    expect(account.allocate(2).grants).toEqual([]);
    // a Usages reading later: the others have gone
    account.recordCores({ limit: 10, used: 1 });
    expect(account.allocate(3).grants.length).toBeGreaterThan(0);
  });
});

describe('queue view', () => {
  it('lists waiting runs in fair order with start estimates that grow with the position', () => {
    const account = new CapacityAccount(settings({ groups: 0 }, { c: { weight: 2 } }));
    for (const tenant of ['a', 'a', 'a', 'c', 'c', 'c']) account.request(request(tenant));
    const view = account.queueView(0);
    // c (weight 2) first, then whoever holds less per weight; ties to the earlier request (a's)
    expect(view.map((run) => run.tenant)).toEqual(['c', 'a', 'c', 'c', 'a', 'a']);
    expect(view.map((run) => run.position)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < view.length; i++)
      expect(view[i]!.estimatedStartAt).toBeGreaterThan(view[i - 1]!.estimatedStartAt);
  });

  it('estimates starts from the rate of its recent grants, over the time it has been granting', () => {
    const account = new CapacityAccount(settings({ groups: 3 }));
    // three grants in the first 20 s: one every 10 s
    for (const at of [0, 10_000, 20_000]) {
      account.request(request('a'));
      expect(account.allocate(at).grants).toHaveLength(1);
    }
    account.request(request('a'));
    account.request(request('a'));
    const [next, after] = account.queueView(30_000);
    // the rate over the minute the ledger has granted in (not over 10 minutes): 3 per 60 s
    expect(next!.estimatedStartAt).toBe(30_000 + 20_000);
    expect(after!.estimatedStartAt).toBe(30_000 + 40_000);
  });

  it('once lease hold times are known, estimates a start when enough cores come free, not from a burst of grants', () => {
    const account = new CapacityAccount(settings({ cores: 3, createsPer5Min: 1000, createsPerHour: 12_000 }));
    const run = (runId: string, cores: number) => account.request(request('a', { runId, cores }));
    // three leases held 10 s each teach the ledger the typical hold
    for (const id of ['h1', 'h2', 'h3']) run(id, 1);
    account.allocate(0);
    for (const id of ['h1', 'h2', 'h3']) account.release(id, 10_000);
    // a burst fills the account: 3 cores at 10 s; then a 1-core and a 2-core run wait
    for (const id of ['b1', 'b2', 'b3']) run(id, 1);
    expect(account.allocate(10_000).grants).toHaveLength(3);
    run('q1', 1);
    run('q2', 2);
    const [q1, q2] = account.queueView(12_000);
    // q1 takes the first core to come free (at 20 s); q2 needs two more: b2's and b3's (also at 20 s)
    expect(q1!.estimatedStartAt).toBe(20_000);
    expect(q2!.estimatedStartAt).toBe(20_000);
    run('q3', 2);
    // q3's two cores come free when q1 and q2 end, a typical hold after their start
    expect(account.queueView(12_000)[2]!.estimatedStartAt).toBe(30_000);
  });
});

describe('placement over several pools', () => {
  /** Pools p1 (account A) and p2 (account B), with the given group slots; Spot offered in p2. */
  function twoPools(groupsA: number, groupsB: number, extra: Partial<PoolLimits> = {}) {
    const book = new CapacityBook({
      policyOf: () => ({ weight: 1, defaultPriority: 3 }),
      cooldownMs: 60_000,
    });
    book.describe(
      [
        { name: 'p1', accountKey: 'A', spot: false },
        { name: 'p2', accountKey: 'B', spot: true },
      ],
      [
        { accountKey: 'A', limits: { ...ACI_DEFAULT_LIMITS, groups: groupsA, ...extra }, windowScale: 1 },
        { accountKey: 'B', limits: { ...ACI_DEFAULT_LIMITS, groups: groupsB, ...extra }, windowScale: 1 },
      ],
    );
    return book;
  }
  const both = [
    { pool: 'p1', spot: false },
    { pool: 'p2', spot: false },
  ];

  it('grants the first allowed pool with capacity: a job allowed two pools spreads when the first is full', () => {
    const book = twoPools(2, 5);
    for (let i = 0; i < 4; i++) book.request(request('a', { runId: `r${i}`, options: both }));
    const grants = book.allocate(0).grants;
    expect(grants.map((lease) => [lease.runId, lease.pool])).toEqual([
      ['r0', 'p1'],
      ['r1', 'p1'],
      ['r2', 'p2'],
      ['r3', 'p2'],
    ]);
  });

  it('a pool without capacity now (ServiceUnavailable) cools down: new runs go to the next pool until it ends', () => {
    const book = twoPools(10, 10);
    book.request(request('a', { runId: 'first', options: both }));
    expect(book.allocate(0).grants.map((lease) => lease.pool)).toEqual(['p1']);
    book.refuse('first', { kind: 'capacity' }, 1_000);
    book.request(request('a', { runId: 'second', options: both }));
    const during = book.allocate(2_000);
    // the refused run and the next both go to p2; p1 is passed over until the cool-down ends
    expect(during.grants.map((lease) => [lease.runId, lease.pool])).toEqual([
      ['first', 'p2'],
      ['second', 'p2'],
    ]);
    expect(during.wakeAt).toBe(61_000);
    expect(book.degradedPools(2_000)).toEqual({ p1: 61_000 });
    book.request(request('a', { runId: 'later', options: both }));
    expect(book.allocate(61_000).grants.map((lease) => lease.pool)).toEqual(['p1']);
  });

  it('a quota error that says no numbers cools the pool down too: the run goes to its next pool', () => {
    const book = twoPools(10, 10);
    book.request(request('a', { runId: 'first', options: both }));
    expect(book.allocate(0).grants.map((lease) => lease.pool)).toEqual(['p1']);
    book.refuse('first', { kind: 'quota' }, 1_000);
    expect(book.allocate(2_000).grants.map((lease) => [lease.runId, lease.pool])).toEqual([['first', 'p2']]);
    expect(book.degradedPools(2_000)).toEqual({ p1: 61_000 });
  });

  it('does not let others backfill the account the fairest run waits for, but lets them use another pool', () => {
    const book = twoPools(1, 5, { cores: 4 });
    book.request(request('x', { runId: 'x-small', options: [{ pool: 'p1', spot: false }] }));
    expect(book.allocate(0).grants.map((lease) => lease.runId)).toEqual(['x-small']);
    // y's big run fits nowhere in p1 now: p1 is held for it; z may use p1 or p2 and gets p2
    book.request(request('y', { runId: 'y-big', cores: 4, options: [{ pool: 'p1', spot: false }] }));
    book.request(request('z', { runId: 'z', options: both }));
    expect(book.allocate(1).grants.map((lease) => [lease.runId, lease.pool])).toEqual([['z', 'p2']]);
  });

  it('Spot: prefer takes Spot cores first where Spot is offered, then Regular; the two are counted apart', () => {
    const book = twoPools(10, 10, { spotCores: 2 });
    const prefer = [
      { pool: 'p2', spot: true },
      { pool: 'p1', spot: false },
      { pool: 'p2', spot: false },
    ];
    for (let i = 0; i < 4; i++) book.request(request('a', { runId: `s${i}`, options: prefer }));
    const grants = book.allocate(0).grants;
    expect(grants.map((lease) => [lease.pool, lease.spot])).toEqual([
      ['p2', true],
      ['p2', true],
      ['p1', false],
      ['p1', false],
    ]);
    expect(book.free('B')).toMatchObject({ spotCores: 0, cores: 100 });
    // a pool that offers no Spot never gets a Spot lease
    book.request(request('a', { runId: 'nope', options: [{ pool: 'p1', spot: true }] }));
    expect(book.allocate(1).grants).toEqual([]);
  });
});

describe('at scale (10,000 runs)', () => {
  const large = { cores: 20_000, groups: 20_000, createsPer5Min: 20_000, createsPerHour: 20_000 };

  it('hands out at most the limit it is given, deletes first, and says so', () => {
    const account = new CapacityAccount(settings({ ...large, deletesPer5Min: 100 }));
    for (let i = 0; i < 5; i++) account.request(request('a', { runId: `r${i}` }));
    expect(account.allocate(0, 2)).toMatchObject({
      grants: [{ runId: 'r0' }, { runId: 'r1' }],
      limited: true,
    });
    account.requestDelete('r0');
    const next = account.allocate(1, 2);
    expect(next.deletes).toEqual(['r0']);
    expect(next.grants.map((lease) => lease.runId)).toEqual(['r2']);
    expect(next.limited).toBe(true);
    const rest = account.allocate(2, 2);
    expect(rest.grants.map((lease) => lease.runId)).toEqual(['r3', 'r4']);
    expect(account.allocate(3, 2)).toEqual({ grants: [], deletes: [] }); // nothing left: not limited
  });

  it('grants 10,000 queued runs, 500 at a time, in linear time, and their leases pack small for continue-as-new', () => {
    const account = new CapacityAccount(settings(large));
    const jobs = Array.from({ length: 10 }, (_, job) => `wait-idle-${job}-552714`);
    for (const jobId of jobs) {
      for (let i = 0; i < 1_000; i++) {
        const runId = `tenant.${jobId}.${i}`;
        account.request(request('tenant', { runId, jobId, groupName: `tenant-${jobId}-1x2y3z-${i}` }));
      }
    }
    let granted = 0;
    for (let now = 1; granted < 10_000; now++) {
      const { grants } = account.allocate(now, 500);
      expect(grants.length).toBeLessThanOrEqual(500);
      granted += grants.length;
    }
    expect(account.free('sub/eastus').groups).toBe(10_000);

    const snapshot = account.snapshot(100);
    expect(JSON.stringify(snapshot).length).toBeGreaterThan(2 * 1024 * 1024); // over Temporal's payload limit
    const packed = packSnapshot(snapshot);
    expect(packed.length).toBeLessThan(512 * 1024); // under its warning
    expect(unpackSnapshot(packed)).toEqual(snapshot);
    const restored = new CapacityAccount(settings(large), unpackSnapshot(packed));
    expect(restored.free('sub/eastus')).toEqual(account.free('sub/eastus'));
  });

  it('checks quiet leases in turns, in run id order, wrapping around', () => {
    const leases = ['d', 'a', 'c', 'e', 'b'].map((runId) => ({ runId }) as never);
    const ids = (turn: Array<{ runId: string }>) => turn.map((lease) => lease.runId);
    expect(ids(quietTurn(leases, '', 2))).toEqual(['a', 'b']);
    expect(ids(quietTurn(leases, 'b', 2))).toEqual(['c', 'd']);
    expect(ids(quietTurn(leases, 'd', 2))).toEqual(['e', 'a']);
    expect(ids(quietTurn(leases, 'e', 2))).toEqual(['a', 'b']);
    expect(ids(quietTurn(leases, 'c', 5))).toEqual(['d', 'a', 'c', 'e', 'b']); // all fit: all, as given
  });
});
