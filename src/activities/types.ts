/**
 * The activity contract between workflows and the ACI activities. Workflows proxy this interface
 * (`proxyActivities<AciActivities>`); `createActivities(deps)` implements it. Everything here is plain JSON.
 */
import type { JobSpec } from '../shared/job-spec';

export interface ContainerGroupRef {
  resourceGroup: string;
  name: string;
}

export interface CreateContainerGroupInput extends ContainerGroupRef {
  spec: JobSpec;
  instanceIndex: number;
  /** the job's id (spec.jobId may be unset in the raw spec; the workflow always knows it) */
  jobId: string;
  /** the containerRun workflow that owns the group (tagged on the group) */
  workflowId: string;
  /** extra plain env for the container (ACI_BATCH_* contract variables) */
  env: Record<string, string>;
  /** extra secure env (e.g. the callback token): sent as secureValue, never echoed */
  secureEnv: Record<string, string>;
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

export interface AciActivities {
  /** Creates the group (or adopts the one this run already made); returns its state once provisioned. */
  createContainerGroup(input: CreateContainerGroupInput): Promise<ContainerGroupState>;
  /** State of the group; `exists: false` when it is gone. */
  getContainerGroupState(ref: ContainerGroupRef): Promise<ContainerGroupState>;
  /** Calls the container's start URL; retried until the container listens. */
  startContainerWork(input: ContainerEndpointInput): Promise<void>;
  getContainerProgress(input: { url: string }): Promise<ContainerProgress>;
  stopContainerGroup(ref: ContainerGroupRef): Promise<void>;
  restartContainerGroup(ref: ContainerGroupRef): Promise<void>;
  /** Deletes the group; a missing group is success. */
  deleteContainerGroup(ref: ContainerGroupRef): Promise<void>;
  /** The last `tail` lines of the container's log ('' when the group is gone). */
  getContainerLogs(input: ContainerGroupRef & { tail: number }): Promise<string>;
}
