/**
 * The activities, built from their clients: `createActivities({ aci })` in the worker with the configured ARM
 * client, and in tests with a client pointed at the emulator.
 */
import { createContainerGroupActivities, type AciActivityDeps } from './aci';
import { createContainerEndpointActivities, type ContainerEndpointDeps } from './container-endpoint';
import type { AciActivities } from './types';

export interface ActivityDeps extends AciActivityDeps, ContainerEndpointDeps {}

export function createActivities(deps: ActivityDeps): AciActivities {
  return { ...createContainerGroupActivities(deps), ...createContainerEndpointActivities(deps) };
}
