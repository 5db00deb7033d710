/**
 * The activity interfaces workflows proxy (`proxyActivities<AciActivities>()`), as in the Temporal samples;
 * `createActivities(deps)` and `createJanitorActivities(deps)` implement them. Everything they exchange is
 * plain JSON (src/shared/container-groups.ts), so workflow code imports this file for types only. Function
 * properties, not methods: activities are plain functions, passed around unbound.
 */
import type { AccountInfo, PoolInfo } from '../capacity/book';
import type { TenantPolicy } from '../capacity/config';
import type { CapacityPlacement, QuotaReading } from '../shared/capacity';
import type { LogCursor, OutputsResult, RunStorageRef } from '../shared/storage';
import type {
  ContainerEndpointInput,
  ContainerGroupRef,
  ContainerGroupState,
  ContainerProgress,
  CreateContainerGroupInput,
} from '../shared/container-groups';

export interface AciActivities {
  /** Creates the group (or adopts the one this run already made); returns its state once provisioned. */
  createContainerGroup: (input: CreateContainerGroupInput) => Promise<ContainerGroupState>;
  /** State of the group; `exists: false` when it is gone. */
  getContainerGroupState: (ref: ContainerGroupRef) => Promise<ContainerGroupState>;
  /** Calls the container's start URL; retried until the container listens. */
  startContainerWork: (input: ContainerEndpointInput) => Promise<void>;
  getContainerProgress: (input: { url: string }) => Promise<ContainerProgress>;
  stopContainerGroup: (ref: ContainerGroupRef) => Promise<void>;
  restartContainerGroup: (ref: ContainerGroupRef) => Promise<void>;
  /** Deletes the group; a missing group is success. */
  deleteContainerGroup: (ref: ContainerGroupRef) => Promise<void>;
  /** The last `tail` lines of the container's log ('' when the group is gone). */
  getContainerLogs: (input: ContainerGroupRef & { tail: number }) => Promise<string>;
}

export interface ListManagedGroupsInput {
  /** one resource group; default the whole subscription */
  resourceGroup?: string;
  /** from the previous page */
  pageToken?: string;
}

/** A container group with the project's managed-by tag. */
export interface ManagedGroup extends ContainerGroupRef {
  /** the run workflow that created it (its tag); absent when the tag is */
  ownerWorkflowId?: string;
}

export interface ManagedGroupPage {
  groups: ManagedGroup[];
  nextPageToken?: string;
}

/** A workflow as the janitor sees it: running (or anything not plainly closed), closed, or unknown. */
export type OwnerStatus =
  { state: 'running' } | { state: 'closed'; status: string; closedAt: string } | { state: 'missing' };

export interface GroupCondition extends ContainerGroupRef {
  exists: boolean;
  /** no container runs: the group bills nothing and stays only for inspection */
  atRest: boolean;
  /** when its container stopped, when ARM says */
  restingSince?: string;
}

export type DeletionOutcome = 'deleted' | 'gone' | 'notOurs';

export interface JanitorActivities {
  listManagedContainerGroups: (input: ListManagedGroupsInput) => Promise<ManagedGroupPage>;
  describeGroupOwners: (workflowIds: string[]) => Promise<Record<string, OwnerStatus>>;
  inspectContainerGroups: (groups: ManagedGroup[]) => Promise<GroupCondition[]>;
  deleteManagedContainerGroup: (group: ManagedGroup) => Promise<DeletionOutcome>;
}

export interface ResolveCapacityInput {
  tenant: string;
  /** without placement: the spec's region and resource group */
  region?: string;
  resourceGroup?: string;
  placement?: { pools: string[]; spot: 'never' | 'allow' | 'prefer' };
  /** the spec's priority, if it sets one (else the tenant's default) */
  priority?: number;
  /** what one group asks for: a pool that cannot serve it is left out, and a job no pool can serve fails */
  cpu: number;
  memoryGB: number;
}

/** What the ledger needs to know of the pools runs name: their accounts, limits, policies, ACI's usage. */
export interface CapacityDescription {
  pools: PoolInfo[];
  accounts: AccountInfo[];
  tenants: Record<string, TenantPolicy>;
  defaultTenant: TenantPolicy;
  /** ACI's Usages API per account (cores and groups used by anyone); an account unread is absent */
  usages: Record<string, QuotaReading[]>;
  /** how often the ledger reads the usage again and checks quiet leases */
  refreshMs: number;
  /** how long a pool without capacity (ServiceUnavailable) is passed over */
  cooldownMs: number;
}

export interface CapacityActivities {
  /** Where a job's runs get capacity, starting the ledger if needed; null when admission is off. */
  resolveCapacity: (input: ResolveCapacityInput) => Promise<CapacityPlacement | null>;
  describeCapacity: (input: { pools: string[] }) => Promise<CapacityDescription>;
  /** Of these leases, the ones whose run has closed (or is gone) and whose group is gone too. */
  findAbandonedLeases: (input: {
    leases: Array<{ runId: string; pool: string; groupName: string; resourceGroup?: string }>;
  }) => Promise<string[]>;
  /** Starts the deployment's ledger if it is not running (a run that could not signal it asks for this). */
  ensureCapacityLedger: (input: Record<string, never>) => Promise<void>;
}

export interface ArchiveLogInput {
  group: ContainerGroupRef;
  run: RunStorageRef;
  attempt: number;
  /** where the attempt's archive stands (EMPTY_CURSOR at its start) */
  cursor: LogCursor;
  /** the attempt's last read, before its container is restarted, stopped or deleted: seal the blob afterwards */
  final?: {
    /** also return the last lines of the read (the run's log tail) */
    tailLines: number;
  };
}

export type ArchiveLogOutput =
  /**
   * this worker keeps no archive (no storage account configured); with `final`, the log's last `tailLines`
   * lines as a log tail read would give them (absent: the read failed)
   */
  | { configured: false; tail?: string }
  | {
      configured: true;
      /** the logs container and the attempt's blob */
      container: string;
      blob: string;
      cursor: LogCursor;
      /** lines appended by this read */
      appended: number;
      /** the group was gone: its last lines could not be read */
      groupGone?: boolean;
      /** with `final`: the read's last `tailLines` lines, without timestamps */
      tail?: string;
    };

/** The log archive and outputs (src/activities/storage.ts). */
export interface StorageActivities {
  /** Reads the container's log (ARM listLogs with timestamps) and appends the new lines to the attempt's blob. */
  archiveContainerLog: (input: ArchiveLogInput) => Promise<ArchiveLogOutput>;
  /** The run's outputs (the first MAX_LISTED_OUTPUTS, and the totals); null when no storage is configured. */
  listRunOutputs: (input: RunStorageRef) => Promise<OutputsResult | null>;
  /** Deletes logs and outputs past the retention; `configured: false` when no storage is configured. */
  deleteExpiredBlobs: () => Promise<{ configured: boolean; deleted: number }>;
}

export interface AwaitJobsInput {
  tenant: string;
  jobIds: string[];
  condition: 'AllSucceeded' | 'AllFinished';
}

/** How a job's dependencies ended: satisfied, or not and why (the first that decided it). */
export interface DependencyOutcome {
  satisfied: boolean;
  reason?: string;
  /** the dependencies that ended, with their state (`Missing`: no such job) */
  jobs: Array<{ jobId: string; state: string }>;
}

export interface JobActivities {
  /** Waits until the jobs have ended (or, with AllSucceeded, one ended otherwise than Completed). */
  awaitJobs: (input: AwaitJobsInput) => Promise<DependencyOutcome>;
}
