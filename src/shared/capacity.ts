/**
 * The admission contract between container runs and the capacity ledger (one long-lived workflow per
 * deployment, keeping an account per subscription and region): runs ask by signal and are granted by signal, so
 * that thousands may wait without holding an update open (Temporal allows 10 in flight per workflow). Defined
 * once, here, for both sides and for the client that reads the queue.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Where a run may go: a pool, as a Regular or a Spot group. A request lists them in order of preference. */
export interface PlacementOption {
  pool: string;
  spot: boolean;
}

/** A run waiting for a lease. */
export interface LeaseRequest {
  /** the containerRun workflow id */
  runId: string;
  tenant: string;
  jobId: string;
  /** 1 (first) to 5 (last) */
  priority: number;
  cores: number;
  /** in order of preference; the ledger grants the first one with capacity (skipping degraded pools) */
  options: PlacementOption[];
  /** when the run first asked; a run sent back to the queue keeps it, so it does not lose its turn */
  enqueuedAt: number;
  /** its group's name: the ledger checks a lease whose run went quiet */
  groupName: string;
  /** the spec's own resource group (a job without placement), over the pool's */
  resourceGroup?: string;
}

/** What ACI answered a create that the ledger had allowed. */
export type Refusal =
  /** 429: the whole account waits this long */
  | { kind: 'throttled'; retryAfterMs: number }
  /** over a quota ACI counts (groups or cores used outside the ledger, or a limit lower than configured) */
  | { kind: 'quota'; quota?: QuotaReading }
  /** ServiceUnavailable: no capacity in the region now; the pool cools down and the run tries its next pool */
  | { kind: 'capacity' };

/** One quota as ACI reports it (the Usages API, or a ContainerGroupQuotaReached message). */
export interface QuotaReading {
  name: 'cores' | 'spotCores' | 'groups';
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

/** A pool as a run needs to know it: where its group goes once the ledger grants it a lease there. */
export interface PoolPlacement {
  name: string;
  /** subscription/region: pools sharing both share one account of ACI's limits */
  accountKey: string;
  subscriptionId: string;
  region: string;
  resourceGroup: string;
  /** the pool offers Spot groups */
  spot: boolean;
  /** the pool's runs together stay under its read budget when none polls more often than this */
  monitorIntervalMs: number;
  /** warm starts from an ACI standby pool, when the pool names one */
  standby?: StandbyPlacement;
}

/** An ACI standby pool and the container group profile its groups are made from. */
export interface StandbyPlacement {
  poolId: string;
  profile: { id: string; revision: number };
}

/** Where a job's runs get their capacity: decided once per job (resolveCapacity) and passed to its runs. */
export interface CapacityPlacement {
  /** the deployment's ledger workflow */
  ledgerId: string;
  /** the pools the job may use, in order of preference */
  pools: PoolPlacement[];
  /** Spot preference: never, allow (after Regular), prefer (before Regular) */
  spot: 'never' | 'allow' | 'prefer';
  /** the job's priority in its tenant: 1 (first) to 5 (last) */
  priority: number;
  /** the tenant's weight: the fairness weight of its tasks on the task queue too */
  weight: number;
}

/** The options of a placement in order: Spot before Regular (prefer), after (allow), or none (never). */
export function placementOptions(placement: Pick<CapacityPlacement, 'pools' | 'spot'>): PlacementOption[] {
  const regular = placement.pools.map((pool) => ({ pool: pool.name, spot: false }));
  const spot = placement.pools.filter((pool) => pool.spot).map((pool) => ({ pool: pool.name, spot: true }));
  if (placement.spot === 'never') return regular;
  return placement.spot === 'prefer' ? [...spot, ...regular] : [...regular, ...spot];
}

export interface LeaseGrant {
  pool: string;
  spot: boolean;
  grantedAt: number;
  waitedMs: number;
  /** the delete is reserved with the lease: delete without asking for a token */
  deleteCredit?: boolean;
}

export const leaseRequestSignal = defineSignal<[LeaseRequest]>('capacity.request');
/** the run stopped waiting (cancelled) */
export const leaseWithdrawSignal = defineSignal<[{ runId: string }]>('capacity.withdraw');
/** ACI refused the create the lease allowed: the run waits again, in its old place */
export const leaseRefusedSignal = defineSignal<[{ runId: string; refusal: Refusal }]>('capacity.refused');
/** the run is about to delete its group */
export const deleteRequestSignal = defineSignal<[{ runId: string }]>('capacity.delete');
/**
 * the run's group is gone (deleted, never made), or a janitor deleted a kept group; `createdAt`: when the run's
 * create was answered (workflow time), for the ledger's create windows
 */
export const leaseReleasedSignal = defineSignal<[{ runId: string; createdAt?: number }]>('capacity.released');

/** ledger → run */
export const leaseGrantedSignal = defineSignal<[LeaseGrant]>('capacity.granted');
export const deleteGrantedSignal = defineSignal<[]>('capacity.deleteGranted');

export interface AccountView {
  accountKey: string;
  /** when a 429 paused the account, until then (epoch ms) */
  pausedUntil?: number;
  freeCores: number;
  freeSpotCores: number;
  freeGroups: number;
}

export interface LedgerView {
  accounts: AccountView[];
  /** pools cooling down after ACI said it has no capacity (pool → until, epoch ms) */
  degraded: Record<string, number>;
  standings: TenantStanding[];
  /** waiting runs (only those whose run id starts with `runIdPrefix`, when given) */
  queued: QueuedRun[];
}

export const ledgerViewQuery = defineQuery<LedgerView, [{ runIdPrefix?: string; limit?: number }?]>(
  'capacity.view',
);

/** The deployment's ledger: one per task queue (it runs on that deployment's workers). */
export function ledgerWorkflowId(taskQueue: string): string {
  return `aci-batch-capacity.${taskQueue}`;
}
