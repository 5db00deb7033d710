/**
 * The emulator's state of a container group, its containers and its async operations (times are epoch ms),
 * and the rules that derive ACI's states from it (as ACI documents them in "Container instance states": provisioningState, instanceView.state, container states).
 */
import type { ArmErrorBody } from './arm-errors';
import type { ContainerLog } from './container-log';
import type { ProvisioningOperation } from './faults';
import type { ContainerProcess, ProcessSpec } from './runtime';
import type { GroupSpec, RestartPolicy } from './spec';

/**
 * `Repairing`: the platform is bringing the group back after an infrastructure event, here a Spot eviction
 * (a documented ACI provisioning state; its use for evictions is UNCONFIRMED).
 */
export type ProvisioningState = 'Pending' | 'Creating' | 'Succeeded' | 'Failed' | 'Repairing';
export type GroupState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';
/** an async operation's status: a provisioning state, or Canceled when its group was deleted meanwhile */
export type OperationStatus = ProvisioningState | 'Canceled';
export type ContainerStateName = 'Waiting' | 'Running' | 'Terminated';

export interface ArmEvent {
  name: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

export interface ContainerState {
  state: ContainerStateName;
  startTime?: number;
  exitCode?: number;
  finishTime?: number;
  /** '' while running; 'Completed' (exit 0) or 'Error' once terminated */
  detailStatus: string;
}

export interface ContainerRecord {
  name: string;
  image: string;
  restartCount: number;
  /** absent until provisioning reaches the container (ACI shows no instanceView before that) */
  currentState?: ContainerState;
  previousState?: ContainerState;
  events: ArmEvent[];
  log: ContainerLog;
  /** what runs for this container, resolved from the image at provisioning */
  processSpec?: ProcessSpec;
  process?: ContainerProcess;
  /** a deliberate kill in progress (stop, restart, delete): its exit is not taken for a crash */
  killing?: Promise<void>;
  /** a pending automatic restart (restart policy Always/OnFailure) */
  restartTimer?: NodeJS.Timeout;
}

export interface AsyncOperation {
  id: string;
  kind: ProvisioningOperation;
  subscriptionId: string;
  location: string;
  /** ARM id of the container group */
  resourceId: string;
  groupName: string;
  status: OperationStatus;
  startTime: number;
  events: ArmEvent[];
  error?: ArmErrorBody;
}

/** A Spot eviction in force: the containers are gone and the platform restarts the group later (or never). */
export interface Eviction {
  /** epoch ms */
  at: number;
  /** when the platform restarts the group; undefined: never (it stays evicted until deleted) */
  restartAfterMs?: number;
}

/** Where a warm group of a standby pool came from (absent for ordinary groups). */
export interface StandbyOrigin {
  /** the pool's registry key */
  poolKey: string;
  /** ARM id of the container group profile and the revision the group was built from */
  profileId: string;
  revision: number;
}

export interface GroupRecord {
  key: string;
  /** stable for the group's whole life (also across a take from a standby pool): names its config map folder */
  uid: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** normalised ARM location, e.g. "eastus" */
  location: string;
  resourceId: string;
  spec: GroupSpec;
  /** the identity as echoed (with generated principal/client ids) */
  identity?: Record<string, unknown>;
  provisioningState: ProvisioningState;
  state: GroupState;
  /** the group's own loopback address */
  ip: string;
  containers: ContainerRecord[];
  /** group-level events (instanceView.events): evictions */
  events: ArmEvent[];
  /** the long-running operation in flight, if any */
  operation?: AsyncOperation;
  /** true/false once a PUT named a standby pool (isCreatedFromStandbyPool); undefined otherwise */
  createdFromStandbyPool?: boolean;
  /** set on a warm group built by a standby pool */
  standby?: StandbyOrigin;
  /** a Spot eviction in force */
  eviction?: Eviction;
  /** the platform's restart of an evicted group */
  evictionTimer?: NodeJS.Timeout;
  /** the account's automatic Spot eviction (`spotEvictions`) of this run */
  autoEvictionTimer?: NodeJS.Timeout;
  /** a synchronous stop is killing the processes */
  stopping: boolean;
  /** aborted when the group is deleted or the emulator closes: ends every timer and flow of the group */
  lifetime: AbortController;
}

export function groupKey(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}

/** ARM writes locations lower-case without spaces ("East US" → "eastus"). */
export function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** detailStatus and event name of an evicted container (UNCONFIRMED: ACI documents no eviction shape). */
export const EVICTED = 'Evicted';

export function isTransitioning(group: GroupRecord): boolean {
  return group.operation !== undefined || group.stopping;
}

/** Aggregates like Kubernetes: a repeated event bumps `count` and `lastTimestamp`. */
export function addEvent(
  events: ArmEvent[],
  event: Pick<ArmEvent, 'name' | 'message' | 'type'>,
  now = Date.now(),
): void {
  const same = events.find((e) => e.name === event.name && e.message === event.message);
  if (same) {
    same.count += 1;
    same.lastTimestamp = now;
  } else {
    events.push({ ...event, count: 1, firstTimestamp: now, lastTimestamp: now });
  }
}

export function terminatedState(
  startTime: number | undefined,
  exitCode: number,
  now = Date.now(),
): ContainerState {
  return {
    state: 'Terminated',
    ...(startTime === undefined ? {} : { startTime }),
    exitCode,
    finishTime: now,
    detailStatus: exitCode === 0 ? 'Completed' : 'Error',
  };
}

export function restartsAfterExit(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * Group state once provisioned: Running while any container runs or waits for a restart; when all have
 * terminated, Succeeded if every exit code is 0, else Failed.
 */
export function derivedGroupState(containers: readonly ContainerRecord[]): GroupState {
  if (containers.some((c) => c.currentState?.state !== 'Terminated')) return 'Running';
  return containers.every((c) => c.currentState?.exitCode === 0) ? 'Succeeded' : 'Failed';
}
