/**
 * What the workflow-side metrics interceptors report to the worker, through a sink (workflows may do no I/O).
 * Types only: imported by workflow code and by the worker.
 */
import type { Sinks } from '@temporalio/workflow';

export interface TenantEvent {
  tenant: string;
}

export interface JobFinished extends TenantEvent {
  /** Completed, PartiallyFailed, Failed, Cancelled */
  outcome: string;
}

export interface RunFinished extends TenantEvent {
  /** Succeeded, Failed, TimedOut, Cancelled */
  status: string;
  /** 0 when unknown (a run cancelled or broken before it could report) */
  billedSeconds: number;
  costUsd: number;
}

export interface GroupDeleted extends TenantEvent {
  /** from the container's completion report to the end of the delete */
  secondsSinceCompletion: number;
}

/** A lease granted by an admission ledger (`pool`: the pool's name). */
export interface CapacityGranted extends TenantEvent {
  pool: string;
  /** how long the run waited in the queue */
  waitedMs: number;
}

export interface CapacityRefused extends TenantEvent {
  pool: string;
  /** throttled (429) or quota (ContainerGroupQuotaReached) */
  kind: string;
}

/** A ledger's queue and holdings of one tenant, now. */
export interface CapacityStanding extends TenantEvent {
  /** subscription/region */
  account: string;
  queued: number;
  heldCores: number;
}

export interface WorkflowMetricsSinks extends Sinks {
  aciBatchMetrics: {
    jobStarted(event: TenantEvent): void;
    jobFinished(event: JobFinished): void;
    runStarted(event: TenantEvent): void;
    runFinished(event: RunFinished): void;
    groupDeleted(event: GroupDeleted): void;
    capacityGranted(event: CapacityGranted): void;
    capacityRefused(event: CapacityRefused): void;
    capacityStanding(event: CapacityStanding): void;
  };
}
