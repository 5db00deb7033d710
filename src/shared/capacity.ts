/**
 * The admission contract between container runs and the capacity ledger (one long-lived workflow per
 * subscription and region): runs ask by signal and are granted by signal, so that thousands may wait without
 * holding an update open (Temporal allows 10 in flight per workflow). Defined once, here, for both sides and for
 * the client that reads the queue.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** A run waiting for a lease. */
export interface LeaseRequest {
  /** the containerRun workflow id */
  runId: string;
  tenant: string;
  jobId: string;
  /** 1 (first) to 5 (last) */
  priority: number;
  cores: number;
  pool: string;
  /** when the run first asked; a run sent back to the queue keeps it, so it does not lose its turn */
  enqueuedAt: number;
  /** where its group is (or will be): the ledger checks a lease whose run went quiet */
  groupName: string;
  resourceGroup: string;
}

/** What ACI answered a create that the ledger had allowed. */
export type Refusal =
  /** 429: the whole account waits this long */
  | { kind: 'throttled'; retryAfterMs: number }
  /** over a quota ACI counts (groups or cores used outside the ledger, or a limit lower than configured) */
  | { kind: 'quota'; quota?: QuotaReading };

/** One quota as ACI reports it (the Usages API, or a ContainerGroupQuotaReached message). */
export interface QuotaReading {
  name: 'cores' | 'groups';
  limit: number;
  used: number;
}

export interface QueuedRun {
  runId: string;
  tenant: string;
  jobId: string;
  /** 1 = next */
  position: number;
  estimatedStartAt: number;
}

export interface TenantStanding {
  tenant: string;
  queued: number;
  heldCores: number;
  heldGroups: number;
}

/** Where a job's runs get their capacity: decided once per job (resolveCapacity) and passed to its runs. */
export interface CapacityPlacement {
  /** the ledger workflow of the pool's account (subscription and region) */
  ledgerId: string;
  accountKey: string;
  pool: string;
  /** the resource group the pool's groups go to */
  resourceGroup: string;
  /** the job's priority in its tenant: 1 (first) to 5 (last) */
  priority: number;
  /** the tenant's weight: the fairness weight of its tasks on the task queue too */
  weight: number;
  /** the pool's runs together stay under its read budget when none polls more often than this */
  monitorIntervalMs: number;
}

export interface LeaseGrant {
  pool: string;
  grantedAt: number;
  waitedMs: number;
}

export const leaseRequestSignal = defineSignal<[LeaseRequest]>('capacity.request');
/** the run stopped waiting (cancelled) */
export const leaseWithdrawSignal = defineSignal<[{ runId: string }]>('capacity.withdraw');
/** ACI refused the create the lease allowed: the run waits again, in its old place */
export const leaseRefusedSignal = defineSignal<[{ runId: string; refusal: Refusal }]>('capacity.refused');
/** the run is about to delete its group */
export const deleteRequestSignal = defineSignal<[{ runId: string }]>('capacity.delete');
/** the run's group is gone (deleted, never made), or a janitor deleted a kept group */
export const leaseReleasedSignal = defineSignal<[{ runId: string }]>('capacity.released');

/** ledger → run */
export const leaseGrantedSignal = defineSignal<[LeaseGrant]>('capacity.granted');
export const deleteGrantedSignal = defineSignal<[]>('capacity.deleteGranted');

export interface LedgerView {
  accountKey: string;
  /** when a 429 paused the account, until then (epoch ms) */
  pausedUntil?: number;
  freeCores: number;
  freeGroups: number;
  standings: TenantStanding[];
  /** waiting runs (only those whose run id starts with `runIdPrefix`, when given) */
  queued: QueuedRun[];
}

export const ledgerViewQuery = defineQuery<LedgerView, [{ runIdPrefix?: string; limit?: number }?]>(
  'capacity.view',
);

/**
 * The ledger of an account (a subscription and region) for one deployment (its task queue: the ledger runs on
 * that deployment's workers). Deployments sharing an account see each other through ACI's Usages API.
 */
export function ledgerWorkflowId(taskQueue: string, accountKey: string): string {
  return `aci-batch-capacity.${taskQueue}.${accountKey.replace('/', '.')}`;
}
