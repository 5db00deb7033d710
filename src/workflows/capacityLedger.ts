/**
 * capacityLedger: the admission ledger of one ACI account (a subscription and region), a long-lived entity
 * workflow. Runs ask it for a lease by signal and wait (phase Queued, calling nothing) until it grants one by
 * signal; it grants as the account's free cores and group slots, ACI's create budget (both sliding windows)
 * and weighted fair share between tenants allow (src/capacity/account.ts), paces deletes the same way, pauses
 * the whole account on a 429, and takes a lease back when its group is gone. It reads the real quotas and
 * usage (the Usages API, so groups made outside it count too) at start and every few minutes, and takes back
 * leases whose run closed without returning them and whose group is gone. Its state carries across
 * continue-as-new.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxySinks,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { CapacityAccount, type AccountSnapshot, type Lease } from '../capacity/account';
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
import { findAbandonedLeases, loadCapacityAccount } from './activities';

export interface CapacityLedgerInput {
  accountKey: string;
  /** set by continue-as-new */
  carried?: AccountSnapshot;
}

/** A lease younger than this many refresh intervals is not checked: its run is creating or just began. */
const QUIET_LEASE_REFRESHES = 1;

const { aciBatchMetrics } = proxySinks<WorkflowMetricsSinks>();

export async function capacityLedger(input: CapacityLedgerInput): Promise<never> {
  const { accountKey } = input;
  const described = await loadCapacityAccount({ accountKey });
  const account = new CapacityAccount(
    {
      limits: described.limits,
      windowScale: described.windowScale,
      policyOf: (tenant) => described.tenants[tenant] ?? described.defaultTenant,
    },
    input.carried,
  );
  for (const reading of described.usages) account.recordQuota(reading);
  const poolOf = (lease: Pick<Lease, 'pool'>) => lease.pool;

  let dirty = true;
  const inFlight = new Set<Promise<void>>();
  /** Signals a run; a run that is gone gives its lease back. */
  const notify = (runId: string, send: () => Promise<void>) => {
    const sending = send().catch((error: unknown) => {
      log.warn('A run could not be told; its lease goes back', { runId, error: String(error) });
      account.release(runId);
      dirty = true;
    });
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };
  const grant = (lease: Lease) =>
    notify(lease.runId, () =>
      getExternalWorkflowHandle(lease.runId).signal(leaseGrantedSignal, {
        pool: lease.pool,
        grantedAt: lease.grantedAt,
        waitedMs: lease.waitedMs,
      }),
    );

  setHandler(leaseRequestSignal, (request) => {
    // a run asking again (it continued as new, or retried) while it holds a lease gets the same grant
    if (account.request(request) === 'leased') grant(account.leaseOf(request.runId)!);
    dirty = true;
  });
  setHandler(leaseWithdrawSignal, ({ runId }) => {
    account.withdraw(runId);
    dirty = true;
  });
  setHandler(leaseRefusedSignal, ({ runId, refusal }) => {
    const lease = account.leaseOf(runId);
    account.refuse(runId, refusal, Date.now());
    if (lease)
      aciBatchMetrics.capacityRefused({ pool: poolOf(lease), tenant: lease.tenant, kind: refusal.kind });
    dirty = true;
  });
  setHandler(deleteRequestSignal, ({ runId }) => {
    account.requestDelete(runId);
    dirty = true;
  });
  setHandler(leaseReleasedSignal, ({ runId }) => {
    account.release(runId);
    dirty = true;
  });
  setHandler(ledgerViewQuery, (filter = {}): LedgerView => {
    const now = Date.now();
    const queued = account
      .queueView(now)
      .filter((run) => !filter.runIdPrefix || run.runId.startsWith(filter.runIdPrefix));
    const paused = account.snapshot(now).pausedUntil;
    return {
      accountKey,
      ...(paused > now && { pausedUntil: paused }),
      freeCores: account.freeCores(),
      freeGroups: account.freeGroups(),
      standings: account.standings(),
      queued: queued.slice(0, filter.limit ?? queued.length),
    };
  });

  const refreshMs = described.refreshMs;
  let refreshAt = Date.now() + refreshMs;
  for (;;) {
    const now = Date.now();
    if (now >= refreshAt) {
      await refresh(account, accountKey, refreshMs * QUIET_LEASE_REFRESHES);
      refreshAt = Date.now() + refreshMs;
    }
    const allocation = account.allocate(Date.now());
    for (const lease of allocation.grants) {
      grant(lease);
      aciBatchMetrics.capacityGranted({
        pool: poolOf(lease),
        tenant: lease.tenant,
        waitedMs: lease.waitedMs,
      });
    }
    for (const runId of allocation.deletes) {
      notify(runId, () => getExternalWorkflowHandle(runId).signal(deleteGrantedSignal));
    }
    report(account, accountKey);

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await Promise.all(inFlight);
      return continueAsNew<typeof capacityLedger>({ accountKey, carried: account.snapshot(Date.now()) });
    }
    dirty = false;
    const wakeAt = Math.min(allocation.wakeAt ?? Infinity, refreshAt);
    await condition(() => dirty || workflowInfo().continueAsNewSuggested, Math.max(1, wakeAt - Date.now()));
  }
}

/** The real quotas and usage, and the leases whose run is gone with its group. */
async function refresh(account: CapacityAccount, accountKey: string, quietMs: number): Promise<void> {
  try {
    const { usages } = await loadCapacityAccount({ accountKey });
    for (const reading of usages) account.recordQuota(reading);
  } catch (error) {
    log.warn('Could not read the account usage; the ledger goes on with what it knows', {
      error: String(error),
    });
  }
  const quiet = account.leasesHeld().filter((lease) => lease.grantedAt < Date.now() - quietMs);
  if (quiet.length === 0) return;
  try {
    const abandoned = await findAbandonedLeases({
      leases: quiet.map(({ runId, groupName, resourceGroup }) => ({ runId, groupName, resourceGroup })),
    });
    for (const runId of abandoned) account.release(runId);
    if (abandoned.length)
      log.info('Took back leases of runs that ended without returning them', { abandoned });
  } catch (error) {
    log.warn('Could not check quiet leases; trying again at the next refresh', { error: String(error) });
  }
}

/** What the Web UI shows for the ledger, and the queue gauges. */
function report(account: CapacityAccount, accountKey: string): void {
  const standings = account.standings();
  for (const standing of standings) {
    aciBatchMetrics.capacityStanding({
      account: accountKey,
      tenant: standing.tenant,
      queued: standing.queued,
      heldCores: standing.heldCores,
    });
  }
  const tenants = standings
    .map((s) => `| ${s.tenant} | ${s.queued} | ${s.heldGroups} | ${s.heldCores} |`)
    .join('\n');
  setCurrentDetails(
    `**${account.queued} runs queued**, ${account.freeGroups()} group slots and ${account.freeCores()} cores free\n\n` +
      `| tenant | queued | groups | cores |\n|---|---|---|---|\n${tenants}`,
  );
}
