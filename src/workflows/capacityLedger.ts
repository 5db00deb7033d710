/**
 * capacityLedger: the admission ledger of a deployment (one per task queue), a long-lived entity workflow. Runs
 * ask it for a lease by signal and wait (phase Queued, calling nothing) until it grants one by signal, in the
 * first pool of their placement with capacity; it grants as each account's free cores and group slots, ACI's
 * create budget (both sliding windows) and weighted fair share between tenants allow (src/capacity/book.ts),
 * paces deletes the same way, pauses an account on a 429, passes a pool over for a cool-down when ACI says it
 * has no capacity there, and takes a lease back when its group is gone. It reads the pools' real quotas and
 * usage (ACI's Usages API, so groups made outside it count too) when it first meets them and every few
 * minutes, and takes back leases whose run closed without returning them and whose group is gone. Its state
 * carries across continue-as-new.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxySinks,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CapacityDescription } from '../activities/types';
import { CapacityBook, quietTurn, type BookSnapshot, type Lease } from '../capacity/book';
import { packSnapshot, unpackSnapshot } from '../capacity/packed-snapshot';
import type { TenantPolicy } from '../capacity/config';
import {
  deleteGrantedSignal,
  deleteRequestSignal,
  leaseGrantedSignal,
  leaseReleasedSignal,
  leaseRefusedSignal,
  leaseRequestSignal,
  leaseWithdrawSignal,
  ledgerViewQuery,
  type LedgerView,
} from '../shared/capacity';
import type { WorkflowMetricsSinks } from '../shared/workflow-metrics';
import { describeCapacity, findAbandonedLeases } from './activities';

export interface CapacityLedgerInput {
  /** set by continue-as-new; the book comes packed, as the ledger's second argument (a ledger before that: here) */
  carried?: { book?: BookSnapshot; settings: LedgerSettings };
}

/** What the ledger learned of its deployment's settings (from describeCapacity). */
interface LedgerSettings {
  tenants: Record<string, TenantPolicy>;
  defaultTenant: TenantPolicy;
  refreshMs: number;
  cooldownMs: number;
}

/** Until the first description arrives: ACI's defaults, refreshed soon. */
const INITIAL_SETTINGS: LedgerSettings = {
  tenants: {},
  defaultTenant: { weight: 1, defaultPriority: 3 },
  refreshMs: 2 * 60_000,
  cooldownMs: 5 * 60_000,
};

const { aciBatchMetrics } = proxySinks<WorkflowMetricsSinks>();

/**
 * Leases carry their delete when the delete windows have room, so a run does not hold its group through a
 * delete-token round trip (issue 13/14). A ledger started before this keeps asking runs to ask, until it
 * continues as new.
 */
export const DELETE_CREDIT_PATCH = 'lease-carries-delete';
/**
 * The windows count each create from when the run's PUT was answered (it says so with its release), not from
 * the grant plus a margin of 2% of each window (issue 14). A ledger started before this keeps the margins until
 * it continues as new; the new run moves the carried entries by the hour's margin.
 */
export const COUNTED_STAMPS_PATCH = 'windows-count-when-aci-counts';
/**
 * What the ledger does at once stays within Temporal's limits however many runs it serves (issue 17's 10,000):
 * - it hands out grants and deletes only while fewer than SIGNALS_IN_FLIGHT of its signals are on their way,
 *   and the rest as they land: the server fails a workflow task that leaves more than 2,000 signals to other
 *   workflows pending (limit.numPendingSignals.error), and its retry fails the same way (a ledger granting
 *   10,000 queued runs at once stopped there for good);
 * - a refresh checks at most QUIET_CHECKS quiet leases, the next ones at the next refresh: the check's input
 *   stays small (10,000 leases are 1.3 MB, near the 2 MB payload limit) and so do its describe calls.
 * A ledger started before this does all at once until it continues as new.
 */
export const BOUNDED_WORK_PATCH = 'ledger-work-bounded';
const SIGNALS_IN_FLIGHT = 500;
const QUIET_CHECKS = 1_000;

/** `packedBook`: the book carried across continue-as-new (src/capacity/packed-snapshot.ts). */
export async function capacityLedger(
  input: CapacityLedgerInput = {},
  packedBook?: Uint8Array,
): Promise<never> {
  let settings = input.carried?.settings ?? INITIAL_SETTINGS;
  const deleteCredits = patched(DELETE_CREDIT_PATCH);
  const countedStamps = patched(COUNTED_STAMPS_PATCH);
  const bounded = patched(BOUNDED_WORK_PATCH);
  const book = new CapacityBook(
    {
      policyOf: (tenant) => settings.tenants[tenant] ?? settings.defaultTenant,
      // read when used: the settings arrive with the first description
      get cooldownMs() {
        return settings.cooldownMs;
      },
      deleteCredits,
      countedStamps,
    },
    packedBook ? unpackSnapshot(packedBook) : input.carried?.book,
  );

  let dirty = true;
  const inFlight = new Set<Promise<void>>();
  /** the last allocation stopped at the signals in flight: each one landing may let more go */
  let limited = false;
  /** Signals a run; a run that is gone gives its lease back. */
  const notify = (runId: string, send: () => Promise<void>) => {
    const sending = send().catch((error: unknown) => {
      log.warn('A run could not be told; its lease goes back', { runId, error: String(error) });
      book.release(runId, Date.now());
      dirty = true;
    });
    inFlight.add(sending);
    void sending.finally(() => {
      inFlight.delete(sending);
      if (limited) dirty = true;
    });
  };
  const grant = (lease: Lease) =>
    notify(lease.runId, () =>
      getExternalWorkflowHandle(lease.runId).signal(leaseGrantedSignal, {
        pool: lease.pool,
        spot: lease.spot,
        grantedAt: lease.grantedAt,
        waitedMs: lease.waitedMs,
        ...(lease.deleteCredit && { deleteCredit: true }),
      }),
    );

  setHandler(leaseRequestSignal, (request) => {
    // a run asking again (it continued as new, or retried) while it holds a lease gets the same grant
    if (book.request(request) === 'leased') grant(book.leaseOf(request.runId)!);
    dirty = true;
  });
  setHandler(leaseWithdrawSignal, ({ runId }) => {
    book.withdraw(runId);
    dirty = true;
  });
  setHandler(leaseRefusedSignal, ({ runId, refusal }) => {
    const lease = book.leaseOf(runId);
    book.refuse(runId, refusal, Date.now());
    if (lease)
      aciBatchMetrics.capacityRefused({ pool: lease.pool, tenant: lease.tenant, kind: refusal.kind });
    dirty = true;
  });
  setHandler(deleteRequestSignal, ({ runId }) => {
    book.requestDelete(runId);
    dirty = true;
  });
  setHandler(leaseReleasedSignal, ({ runId, createdAt }) => {
    book.release(runId, Date.now(), typeof createdAt === 'number' ? createdAt : undefined);
    dirty = true;
  });
  setHandler(ledgerViewQuery, (filter = {}): LedgerView => {
    const now = Date.now();
    const queued = book
      .queueView(now)
      .filter((run) => !filter.runIdPrefix || run.runId.startsWith(filter.runIdPrefix));
    return {
      accounts: book.accountKeys().map((accountKey) => {
        const free = book.free(accountKey);
        const pausedUntil = book.pausedUntil(accountKey);
        return {
          accountKey,
          ...(pausedUntil > now && { pausedUntil }),
          freeCores: free.cores,
          freeSpotCores: free.spotCores,
          freeGroups: free.groups,
        };
      }),
      degraded: book.degradedPools(now),
      standings: book.standings(),
      queued: queued.slice(0, filter.limit ?? queued.length),
    };
  });

  /** Learns (or re-reads) the pools runs name, with ACI's usage of their accounts. */
  const describe = async (pools: string[]) => {
    const description: CapacityDescription = await describeCapacity({ pools });
    settings = {
      tenants: description.tenants,
      defaultTenant: description.defaultTenant,
      refreshMs: description.refreshMs,
      cooldownMs: description.cooldownMs,
    };
    book.describe(description.pools, description.accounts);
    for (const [accountKey, readings] of Object.entries(description.usages)) {
      for (const reading of readings) book.recordQuota(accountKey, reading);
    }
  };

  /** the quiet leases a refresh checks: a turn of QUIET_CHECKS after the last one checked */
  let lastChecked = '';
  const quietChecks = (quiet: Lease[]): Lease[] => {
    const turn = quietTurn(quiet, lastChecked, QUIET_CHECKS);
    lastChecked = turn.at(-1)?.runId ?? '';
    return turn;
  };

  let refreshAt = Date.now() + settings.refreshMs;
  for (;;) {
    const unknown = book.unknownPools();
    if (unknown.length > 0) {
      await describe(unknown);
      // the first description may shorten the refresh interval
      refreshAt = Math.min(refreshAt, Date.now() + settings.refreshMs);
    }
    // grants first: a refresh (ARM reads) must not hold up runs waiting for what is free already
    const allocation = book.allocate(
      Date.now(),
      bounded ? Math.max(0, SIGNALS_IN_FLIGHT - inFlight.size) : Infinity,
    );
    limited = allocation.limited === true;
    for (const lease of allocation.grants) {
      grant(lease);
      aciBatchMetrics.capacityGranted({ pool: lease.pool, tenant: lease.tenant, waitedMs: lease.waitedMs });
    }
    for (const runId of allocation.deletes) {
      notify(runId, () => getExternalWorkflowHandle(runId).signal(deleteGrantedSignal));
    }
    report(book);
    const refreshing = Date.now() >= refreshAt;
    if (refreshing) {
      await refresh(book, describe, settings.refreshMs, bounded ? quietChecks : undefined);
      refreshAt = Date.now() + settings.refreshMs;
    }

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await Promise.all(inFlight);
      return continueAsNew<typeof capacityLedger>(
        { carried: { settings } },
        packSnapshot(book.snapshot(Date.now())),
      );
    }
    // what the reading, and the signals that came meanwhile, changed is allocated at once
    if (refreshing) continue;
    dirty = false;
    const wakeAt = Math.min(allocation.wakeAt ?? Infinity, refreshAt);
    await condition(() => dirty || workflowInfo().continueAsNewSuggested, Math.max(1, wakeAt - Date.now()));
  }
}

/** ACI's usage of every known pool again, and the leases whose run is gone with its group. */
async function refresh(
  book: CapacityBook,
  describe: (pools: string[]) => Promise<void>,
  quietMs: number,
  /** which of the quiet leases to check this time (default: all) */
  pick: (quiet: Lease[]) => Lease[] = (quiet) => quiet,
): Promise<void> {
  const pools = [...new Set(book.snapshot(Date.now()).pools.map((pool) => pool.name))];
  try {
    if (pools.length) await describe(pools);
  } catch (error) {
    log.warn('Could not read the pools again; the ledger goes on with what it knows', {
      error: String(error),
    });
  }
  const quiet = pick(book.leasesHeld().filter((lease) => lease.grantedAt < Date.now() - quietMs));
  if (quiet.length === 0) return;
  try {
    const abandoned = await findAbandonedLeases({
      leases: quiet.map(({ runId, pool, groupName, resourceGroup }) => ({
        runId,
        pool,
        groupName,
        ...(resourceGroup && { resourceGroup }),
      })),
    });
    for (const runId of abandoned) book.release(runId, Date.now());
    if (abandoned.length)
      log.info('Took back leases of runs that ended without returning them', { abandoned });
  } catch (error) {
    log.warn('Could not check quiet leases; trying again at the next refresh', { error: String(error) });
  }
}

/** What the Web UI shows for the ledger, and the queue gauges. */
function report(book: CapacityBook): void {
  const standings = book.standings();
  for (const standing of standings) {
    aciBatchMetrics.capacityStanding({
      account: 'all',
      tenant: standing.tenant,
      queued: standing.queued,
      heldCores: standing.heldCores,
    });
  }
  const tenants = standings
    .map((s) => `| ${s.tenant} | ${s.queued} | ${s.heldGroups} | ${s.heldCores} |`)
    .join('\n');
  const accounts = book
    .accountKeys()
    .map((key) => {
      const free = book.free(key);
      return `| ${key} | ${free.groups} | ${free.cores} | ${free.spotCores} |`;
    })
    .join('\n');
  setCurrentDetails(
    `**${book.queued} runs queued**\n\n| tenant | queued | groups | cores |\n|---|---|---|---|\n${tenants}\n\n` +
      `| account | free groups | free cores | free Spot cores |\n|---|---|---|---|\n${accounts}`,
  );
}
