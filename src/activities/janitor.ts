/**
 * The janitor's activities: list the container groups this project tagged, ask Temporal whether their owning
 * runs still exist, read the state of those that may go, and delete a group after checking once more, right
 * before the DELETE, that it is ours. A group without the project's managed-by tag is never returned, read or
 * deleted.
 */
import { getContinuationToken, type ContainerGroup } from '@azure/arm-containerinstance';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { toContainerGroupState } from '../azure/state';
import { MANAGED_BY_VALUE, TAGS } from '../shared/names';
import { createContainerGroupActivities, type AciActivityDeps } from './aci';
import { ignoreNotFound, signal, withFailures } from './arm-calls';
import type { ContainerGroupRef, GroupState } from '../shared/container-groups';
import type { GroupCondition, JanitorActivities, ManagedGroup, OwnerStatus } from './types';

export interface JanitorActivityDeps extends AciActivityDeps {
  /** a client on the namespace the runs live in */
  client: Client;
}

const CLOSED_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);
const AT_REST: ReadonlySet<GroupState | undefined> = new Set(['Stopped', 'Succeeded', 'Failed']);
/** ARM and Temporal calls in flight at once, per activity */
const CONCURRENCY = 8;

export function createJanitorActivities(deps: JanitorActivityDeps): JanitorActivities {
  const groups = deps.aci.containerGroups;
  const find = (ref: ContainerGroupRef) =>
    ignoreNotFound(() => groups.get(ref.resourceGroup, ref.name, { abortSignal: signal() }));

  return {
    async listManagedContainerGroups(input) {
      const settings = { continuationToken: input.pageToken };
      const pages = input.resourceGroup
        ? groups.listByResourceGroup(input.resourceGroup, { abortSignal: signal() }).byPage(settings)
        : groups.list({ abortSignal: signal() }).byPage(settings);
      const operation = { operation: 'list container groups' };
      // a resource group that does not exist holds no groups
      const page = await withFailures(operation, () =>
        ignoreNotFound(async () => {
          const next = await pages.next();
          return next.done ? undefined : next.value;
        }),
      );
      if (!page) return { groups: [] };
      return {
        groups: page.filter(isManaged).map(managedGroupOf),
        nextPageToken: getContinuationToken(page),
      };
    },

    async describeGroupOwners(workflowIds) {
      const statuses = await mapConcurrently(workflowIds, (id) => describeOwner(deps.client, id));
      return Object.fromEntries(workflowIds.map((id, index) => [id, statuses[index]!]));
    },

    async inspectContainerGroups(managed) {
      return mapConcurrently(managed, async (ref): Promise<GroupCondition> => {
        const group = await withFailures({ operation: 'get container group', group: ref }, () => find(ref));
        if (!group) return { ...refOf(ref), exists: false, atRest: false };
        const state = toContainerGroupState(ref, group);
        return {
          ...refOf(ref),
          exists: true,
          atRest: AT_REST.has(state.groupState),
          restingSince: state.container?.finishTime,
        };
      });
    },

    async deleteManagedContainerGroup(managed) {
      const ref = refOf(managed);
      const group = await withFailures({ operation: 'get container group', group: ref }, () => find(ref));
      if (!group) return 'gone';
      // the name may have been reused since the listing: delete only what is still this run's group
      if (!isManaged(group) || group.tags?.[TAGS.workflowId] !== managed.ownerWorkflowId) return 'notOurs';
      await createContainerGroupActivities(deps).deleteContainerGroup(ref);
      return 'deleted';
    },
  };
}

async function describeOwner(client: Client, workflowId: string): Promise<OwnerStatus> {
  try {
    const { status, closeTime } = await client.workflow.getHandle(workflowId).describe();
    if (!CLOSED_STATUSES.has(status.name) || !closeTime) return { state: 'running' };
    return { state: 'closed', status: status.name, closedAt: closeTime.toISOString() };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: 'missing' };
    throw error;
  }
}

function isManaged(group: ContainerGroup): boolean {
  return group.tags?.[TAGS.managedBy] === MANAGED_BY_VALUE;
}

function managedGroupOf(group: ContainerGroup): ManagedGroup {
  return {
    resourceGroup: resourceGroupOf(group.id ?? ''),
    name: group.name ?? '',
    ownerWorkflowId: group.tags?.[TAGS.workflowId],
  };
}

/** Only the reference: the workflow may have handed a wider object. */
function refOf(group: ContainerGroupRef): ContainerGroupRef {
  return { resourceGroup: group.resourceGroup, name: group.name };
}

/** The resource group segment of an ARM id: /subscriptions/<s>/resourceGroups/<rg>/providers/... */
function resourceGroupOf(armId: string): string {
  return /\/resourceGroups\/([^/]+)\//i.exec(armId)?.[1] ?? '';
}

/** `map` with at most CONCURRENCY calls in flight; results in input order. */
async function mapConcurrently<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
  return results;
}
