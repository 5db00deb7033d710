/**
 * What workflows and the ACI activities exchange about container groups: plain JSON, importable by workflow
 * code, by the activities and by the Azure layer (so neither of those imports the other for a type).
 */
import type { StandbyPlacement } from './capacity';
import type { ReportChannel } from './container-contract';
import type { InstanceSpec } from './job-spec';

export interface ContainerGroupRef {
  /** the subscription the group lives in; absent: the worker's own */
  subscriptionId?: string;
  resourceGroup: string;
  name: string;
}

/** Where and how a leased run's group is made: its pool's region, Regular or Spot, warm or fresh. */
export interface GroupPlacement {
  region: string;
  spot: boolean;
  /** take a warm group from this standby pool (the job fits its profile and passes no secret to the container) */
  standby?: StandbyPlacement;
}

/** Which run a container group belongs to: tagged on the group, and told to its container. */
export interface RunIdentity {
  /** the containerRun workflow id: the run id the container reports to, and the group's owner tag */
  workflowId: string;
  /**
   * the first run id of that workflow (continue-as-new keeps it): the run token is bound to it, so a token
   * of an earlier job with the same id is worthless for a later one
   */
  firstRunId: string;
  jobId: string;
  instanceIndex: number;
}

export interface CreateContainerGroupInput extends ContainerGroupRef {
  /** this instance's spec, resolved by the workflow (specForInstance) */
  spec: InstanceSpec;
  run: RunIdentity;
  /** how the container reports back; the activity turns it into ACI_BATCH_* variables (and a run token) */
  reporting: ReportChannel;
  /** under admission: the leased pool's region, Spot or not, standby pool; absent: the spec's region, Regular */
  placement?: GroupPlacement;
}

export type GroupState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped' | 'Unknown';
export type ContainerStateName = 'Waiting' | 'Running' | 'Terminated' | 'Unknown';

export interface ContainerEvent {
  name: string;
  message: string;
  type: string;
  count: number;
  lastTimestamp?: string;
}

/** A container group's state, normalised from ARM (times as ISO strings). */
export interface ContainerGroupState extends ContainerGroupRef {
  exists: boolean;
  provisioningState?: string;
  groupState?: GroupState;
  container?: {
    state: ContainerStateName;
    exitCode?: number;
    startTime?: string;
    finishTime?: string;
    detailStatus?: string;
    restartCount: number;
  };
  ip?: string;
  fqdn?: string;
  /** the group is a Spot one (ACI may evict it) */
  spot?: boolean;
  /** the create took a warm group from a standby pool */
  warm?: boolean;
  /** the latest events, oldest first (bounded) */
  events: ContainerEvent[];
}

export interface ContainerEndpointInput {
  /** e.g. http://10.0.0.4:8080/start */
  url: string;
  /** idempotency key the container uses to ignore a repeated start */
  runKey: string;
  body?: unknown;
}

export interface ContainerProgress {
  percent?: number;
  message?: string;
}
