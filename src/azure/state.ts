/**
 * Normalises an ARM container group (as the SDK deserialises it: flattened properties, `Date` times) into the
 * plain-JSON `ContainerGroupState` that activities return to workflows.
 */
import type { Container, ContainerGroup, Event as ArmEvent } from '@azure/arm-containerinstance';
import type {
  ContainerEvent,
  ContainerGroupRef,
  ContainerGroupState,
  ContainerStateName,
  GroupState,
} from '../shared/container-groups';
import { CONTAINER_NAME } from '../shared/names';

/** Enough events to explain a failure, few enough to keep workflow history small. */
export const MAX_EVENTS = 20;

const GROUP_STATES: readonly GroupState[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Stopped'];
const CONTAINER_STATES: readonly ContainerStateName[] = ['Waiting', 'Running', 'Terminated'];
/** provisioningState values of an operation still in flight */
const PROVISIONING_IN_PROGRESS = new Set(['pending', 'creating', 'accepted', 'updating', 'repairing']);

export function isProvisioning(provisioningState: string | undefined): boolean {
  return provisioningState !== undefined && PROVISIONING_IN_PROGRESS.has(provisioningState.toLowerCase());
}

export function missingGroupState(ref: ContainerGroupRef): ContainerGroupState {
  return { resourceGroup: ref.resourceGroup, name: ref.name, exists: false, events: [] };
}

export function toContainerGroupState(ref: ContainerGroupRef, group: ContainerGroup): ContainerGroupState {
  const container = group.containers.find((c) => c.name === CONTAINER_NAME) ?? group.containers[0];
  return {
    resourceGroup: ref.resourceGroup,
    name: ref.name,
    exists: true,
    provisioningState: group.provisioningState,
    groupState: groupStateOf(group),
    container: container && containerStateOf(container),
    ip: group.ipAddress?.ip,
    fqdn: group.ipAddress?.fqdn,
    ...(group.priority?.toLowerCase() === 'spot' && { spot: true }),
    events: latestEvents([...(group.instanceView?.events ?? []), ...(container?.instanceView?.events ?? [])]),
  };
}

function groupStateOf(group: ContainerGroup): GroupState {
  const state = oneOf(GROUP_STATES, group.instanceView?.state);
  if (state) return state;
  // Right after a PUT there is no instance view yet; the group is on its way.
  return isProvisioning(group.provisioningState) ? 'Pending' : 'Unknown';
}

function containerStateOf(container: Container): NonNullable<ContainerGroupState['container']> {
  const view = container.instanceView;
  const current = view?.currentState;
  return {
    state: oneOf(CONTAINER_STATES, current?.state) ?? 'Unknown',
    exitCode: current?.exitCode,
    startTime: current?.startTime?.toISOString(),
    finishTime: current?.finishTime?.toISOString(),
    detailStatus: current?.detailStatus || undefined,
    restartCount: view?.restartCount ?? 0,
  };
}

function latestEvents(events: ArmEvent[]): ContainerEvent[] {
  return events
    .map((event) => ({
      name: event.name ?? '',
      message: event.message ?? '',
      type: event.type ?? '',
      count: event.count ?? 1,
      lastTimestamp: (event.lastTimestamp ?? event.firstTimestamp)?.toISOString(),
    }))
    .sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''))
    .slice(-MAX_EVENTS);
}

/** ARM state names compared case-insensitively, returned in our spelling. */
function oneOf<T extends string>(known: readonly T[], value: string | undefined): T | undefined {
  return known.find((name) => name.toLowerCase() === value?.toLowerCase());
}
