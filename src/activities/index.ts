/**
 * The activities, built from their clients: `createActivities({ aci })` in the worker with the configured ARM
 * client, and in tests with a client pointed at the emulator.
 */
import { createContainerGroupActivities, type AciActivityDeps } from './aci';
import { createContainerEndpointActivities, type ContainerEndpointDeps } from './container-endpoint';
import { createStorageActivities, type StorageActivityDeps } from './storage';
import type { AciActivities, StorageActivities } from './types';

export interface ActivityDeps
  extends AciActivityDeps, ContainerEndpointDeps, Omit<StorageActivityDeps, 'readLogTail'> {}

export function createActivities(deps: ActivityDeps): AciActivities & StorageActivities {
  const groups = createContainerGroupActivities(deps);
  return {
    ...groups,
    ...createContainerEndpointActivities(deps),
    ...createStorageActivities({ ...deps, readLogTail: groups.getContainerLogs }),
  };
}
