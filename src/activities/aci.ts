/**
 * The container group activities: thin calls to the ARM client, idempotent, every SDK error classified by
 * `toAciFailure`, cancellation honoured (the activity's cancellation signal is handed to every SDK call).
 */
import type { ContainerGroup } from '@azure/arm-containerinstance';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  buildContainerGroup,
  buildWarmContainerGroup,
  prepareCreateRequest,
  profileMismatch,
  profileShape,
  secretValues,
  type ContainerGroupRequest,
  type ProfileShape,
} from '../azure/container-group';
import { sendPreview } from '../azure/preview-api';
import { isProvisioning, missingGroupState, toContainerGroupState } from '../azure/state';
import type { RunTokens } from '../security/run-tokens';
import type { ContainerGroupRef, CreateContainerGroupInput } from '../shared/container-groups';
import { AciFailureType } from '../shared/failures';
import { CONTAINER_NAME, TAGS } from '../shared/names';
import { clientOf, ignoreNotFound, signal, withFailures, type AciClients } from './arm-calls';
import { heartbeatOf, resumeOperation, resumeOrRun, runOperation, type BeginOptions } from './lro';
import type { AciActivities } from './types';

export const DEFAULT_POLL_INTERVAL_MS = 2000;

export interface AciActivityDeps extends AciClients {
  /** used when a request names no resource group */
  defaultResourceGroup?: string;
  /** how often long-running operations (and a group still provisioning) are polled; default 2000 */
  pollIntervalMs?: number;
  /** mints the token of each run that reports by HTTP callback; absent: such runs are refused */
  runTokens?: RunTokens;
}

export type ContainerGroupActivities = Omit<AciActivities, 'startContainerWork' | 'getContainerProgress'>;

export function createContainerGroupActivities(deps: AciActivityDeps): ContainerGroupActivities {
  const interval = deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const groupsOf = (ref: ContainerGroupRef) => clientOf(deps, ref.subscriptionId).containerGroups;
  /** the shapes of the container group profiles warm starts use (a revision never changes) */
  const profiles = new Map<string, Promise<ProfileShape>>();

  const resolve = (ref: ContainerGroupRef): ContainerGroupRef => ({
    ...(ref.subscriptionId && { subscriptionId: ref.subscriptionId }),
    resourceGroup: ref.resourceGroup || deps.defaultResourceGroup || '',
    name: ref.name,
  });

  /** The group, or undefined when it (or its resource group) does not exist. */
  const find = (ref: ContainerGroupRef): Promise<ContainerGroup | undefined> =>
    ignoreNotFound(() => groupsOf(ref).get(ref.resourceGroup, ref.name, { abortSignal: signal() }));

  const beginCreate = (ref: ContainerGroupRef, body: ContainerGroup) => (options: BeginOptions) =>
    groupsOf(ref).beginCreateOrUpdate(ref.resourceGroup, ref.name, body, options);

  /** The shape of a standby pool's profile, read once per revision. */
  const shapeOf = (ref: ContainerGroupRef, profile: { id: string; revision: number }) => {
    const key = `${profile.id}@${profile.revision}`;
    let shape = profiles.get(key);
    if (!shape) {
      shape = sendPreview(clientOf(deps, ref.subscriptionId), {
        method: 'GET',
        path: `${profile.id}/revisions/${profile.revision}`,
        abortSignal: signal(),
      }).then((response) => profileShape(response.body));
      shape.catch(() => profiles.delete(key));
      profiles.set(key, shape);
    }
    return shape;
  };

  /**
   * Takes a warm group from the pool's standby pool when the job fits its profile (else undefined: create it
   * fresh). Returns whether ACI took it from the pool; a group still provisioning (the pool was empty, so ACI
   * made a fresh one) is waited for.
   */
  async function takeWarm(
    ref: ContainerGroupRef,
    request: ContainerGroupRequest,
  ): Promise<{ group: ContainerGroup | undefined; warm: boolean } | undefined> {
    const standby = request.placement?.standby;
    if (!standby) return undefined;
    const mismatch = profileMismatch(await shapeOf(ref, standby.profile), request.spec);
    if (mismatch) {
      log.info("The job does not fit the standby pool's profile; creating its group fresh", { mismatch });
      return undefined;
    }
    const response = await sendPreview(clientOf(deps, ref.subscriptionId), {
      method: 'PUT',
      path: groupPath(clientOf(deps, ref.subscriptionId).subscriptionId, ref),
      body: buildWarmContainerGroup(request, standby),
      abortSignal: signal(),
    });
    const properties = (response.body as { properties?: Record<string, unknown> } | undefined)?.properties;
    const warm = properties?.isCreatedFromStandbyPool === true;
    const group = isProvisioning(properties?.provisioningState as string | undefined)
      ? await waitWhileProvisioning(ref)
      : await find(ref);
    return { group, warm };
  }

  /** Waits, without a poller to resume, for a group some earlier attempt is still provisioning. */
  async function waitWhileProvisioning(ref: ContainerGroupRef): Promise<ContainerGroup | undefined> {
    for (;;) {
      Context.current().heartbeat(heartbeatOf('create', ref));
      await Context.current().sleep(interval);
      const group = await find(ref);
      if (!group || !isProvisioning(group.provisioningState)) return group;
    }
  }

  /** A group this run made earlier is adopted; a failed one is provisioned again; another job's is refused. */
  async function adoptOrCreate(
    ref: ContainerGroupRef,
    request: ContainerGroupRequest,
  ): Promise<{ group: ContainerGroup; warm?: boolean }> {
    let existing = await find(ref);
    if (existing) {
      assertOwnedByRun(existing, ref, request);
      if (isProvisioning(existing.provisioningState)) existing = await waitWhileProvisioning(ref);
      if (existing && existing.provisioningState?.toLowerCase() !== 'failed') return { group: existing };
    }
    const taken = await takeWarm(ref, request);
    if (taken?.group) return { group: taken.group, warm: taken.warm };
    const group = await runOperation('create', ref, beginCreate(ref, buildContainerGroup(request)), interval);
    return { group, ...(request.placement?.standby && { warm: false }) };
  }

  return {
    async createContainerGroup(input) {
      const ref = resolve(input);
      const request = prepareCreateRequest({ ...input, ...ref }, runTokenFor(input, deps.runTokens));
      const failure = {
        operation: 'create container group',
        group: ref,
        secrets: secretValues(request),
      };
      const created = await withFailures(failure, async () => {
        const resumed = await resumeOperation(
          'create',
          ref,
          beginCreate(ref, buildContainerGroup(request)),
          interval,
        );
        return resumed ? { group: resumed.result, warm: undefined } : adoptOrCreate(ref, request);
      });
      return {
        ...toContainerGroupState(ref, created.group),
        ...(created.warm !== undefined && { warm: created.warm }),
      };
    },

    async getContainerGroupState(input) {
      const ref = requireResourceGroup(resolve(input));
      const group = await withFailures({ operation: 'get container group', group: ref }, () => find(ref));
      return group ? toContainerGroupState(ref, group) : missingGroupState(ref);
    },

    async stopContainerGroup(input) {
      const ref = requireResourceGroup(resolve(input));
      await withFailures({ operation: 'stop container group', group: ref }, () =>
        groupsOf(ref).stop(ref.resourceGroup, ref.name, { abortSignal: signal() }),
      );
    },

    async restartContainerGroup(input) {
      const ref = requireResourceGroup(resolve(input));
      const begin = (options: BeginOptions) =>
        groupsOf(ref).beginRestart(ref.resourceGroup, ref.name, options);
      await withFailures({ operation: 'restart container group', group: ref }, () =>
        resumeOrRun('restart', ref, begin, interval),
      );
    },

    async deleteContainerGroup(input) {
      const ref = requireResourceGroup(resolve(input));
      const begin = (options: BeginOptions) =>
        groupsOf(ref).beginDelete(ref.resourceGroup, ref.name, options);
      // a group that is already gone is deleted: success
      await withFailures({ operation: 'delete container group', group: ref }, () =>
        ignoreNotFound(() => resumeOrRun('delete', ref, begin, interval)),
      );
    },

    async getContainerLogs(input) {
      const ref = requireResourceGroup(resolve(input));
      if (input.tail <= 0) return '';
      const logs = await withFailures({ operation: 'get container logs', group: ref }, () =>
        ignoreNotFound(() =>
          clientOf(deps, ref.subscriptionId).containers.listLogs(
            ref.resourceGroup,
            ref.name,
            CONTAINER_NAME,
            {
              tail: input.tail,
              abortSignal: signal(),
            },
          ),
        ),
      );
      return logs?.content ?? '';
    },
  };
}

/**
 * The run token of a run that reports by HTTP callback, minted here from the worker's secret so that it never
 * enters workflow history. The same run always gets the same token, so a retried create sends the same body.
 */
function runTokenFor(input: CreateContainerGroupInput, runTokens: RunTokens | undefined): string | undefined {
  if (input.reporting.kind !== 'callback') return undefined;
  if (!runTokens) {
    throw ApplicationFailure.nonRetryable(
      'the job reports by HTTP callback, but this worker has no ACI_BATCH_CALLBACK_SECRET to sign its run token',
      AciFailureType.invalidSpec,
    );
  }
  return runTokens.issue(input.run.workflowId, {
    firstRunId: input.run.firstRunId,
    expiresAtMs: input.reporting.tokenExpiresAtMs,
  });
}

/** The ARM path of a container group. */
function groupPath(subscriptionId: string, ref: ContainerGroupRef): string {
  return (
    `/subscriptions/${subscriptionId}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}` +
    `/providers/Microsoft.ContainerInstance/containerGroups/${ref.name}`
  );
}

function requireResourceGroup(ref: ContainerGroupRef): ContainerGroupRef {
  if (!ref.resourceGroup) {
    throw ApplicationFailure.nonRetryable(
      `container group ${ref.name}: no resource group given, and ACI_RESOURCE_GROUP is not set`,
      AciFailureType.invalidSpec,
    );
  }
  return ref;
}

/** Refuses a same-named group that some other job or run owns (its tags say so). */
function assertOwnedByRun(
  group: ContainerGroup,
  ref: ContainerGroupRef,
  input: CreateContainerGroupInput,
): void {
  const tags = group.tags ?? {};
  const owner = tags[TAGS.workflowId];
  const instance = tags[TAGS.instance];
  const { workflowId, instanceIndex } = input.run;
  if (owner === workflowId && instance === String(instanceIndex)) return;
  const ownedBy = owner
    ? `workflow ${owner} (instance ${instance ?? '?'})`
    : 'something other than aci-batch';
  throw ApplicationFailure.nonRetryable(
    `container group ${ref.resourceGroup}/${ref.name} already exists and belongs to ${ownedBy}, not to workflow ${workflowId} (instance ${instanceIndex}); it is left untouched`,
    AciFailureType.groupConflict,
  );
}
