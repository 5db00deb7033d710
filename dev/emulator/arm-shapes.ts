/**
 * Serialises emulator state into the JSON real ARM returns (as ARM serialises a container group: properties nested, secureValue never echoed): the container group with
 * defaults and read-only fields, secrets never echoed, `instanceView`s only on single-group reads, and the
 * async-operation status body.
 */
import type { AccountUsage, Quotas } from './engine';
import type { ArmEvent, AsyncOperation, ContainerRecord, ContainerState, GroupRecord } from './model';
import { PROFILE_TYPE, STANDBY_POOL_TYPE, type ProfileRecord, type ProfileRevision } from './profiles';
import type { ContainerSpec } from './spec';
import type { PoolRecord, StandbyOperation } from './standby';
import { formatMillis, formatSeconds, formatTicks } from './time';

export const RESOURCE_TYPE = 'Microsoft.ContainerInstance/containerGroups';

type Json = Record<string, unknown>;

/** `full` for GET/PUT/DELETE bodies; `list` items carry no instanceView (real list responses lack it). */
export function containerGroupBody(group: GroupRecord, view: 'full' | 'list'): Json {
  const { location, tags, identity: _requested, properties, ...topLevel } = group.spec;
  const {
    containers,
    ipAddress,
    provisioningState: _p,
    instanceView: _i,
    // the 2024-05-01-preview example of a group taken from a pool echoes the profile reference, not the pool's
    standbyPoolProfile: _s,
    isCreatedFromStandbyPool: _c,
    ...otherProperties
  } = properties;
  return {
    ...topLevel,
    properties: {
      ...withoutSecrets(otherProperties),
      ...(group.createdFromStandbyPool !== undefined && {
        isCreatedFromStandbyPool: group.createdFromStandbyPool,
      }),
      provisioningState: group.provisioningState,
      containers: containers.map((spec, index) =>
        containerBody(spec, view === 'full' ? group.containers[index] : undefined),
      ),
      ...(ipAddress && {
        ipAddress: {
          ...ipAddress,
          ports: ipAddress.ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port })),
          ip: group.ip,
          ...(ipAddress.dnsNameLabel && {
            fqdn: `${ipAddress.dnsNameLabel}.${group.location}.azurecontainer.io`,
          }),
        },
      }),
      ...(view === 'full' && { instanceView: { events: group.events.map(eventBody), state: group.state } }),
    },
    ...(group.identity && { identity: group.identity }),
    id: group.resourceId,
    name: group.name,
    type: RESOURCE_TYPE,
    location,
    ...(tags && { tags }),
  };
}

/**
 * A container group profile revision as ARM returns it (spec example ContainerGroupProfilesCreateOrUpdate):
 * the group properties with secrets stripped, no instance view, no IP address assigned, and `revision`.
 */
export function profileBody(profile: ProfileRecord, revision: ProfileRevision): Json {
  const { location: _l, tags: _t, identity: _i, properties, ...topLevel } = revision.spec;
  const { containers, ...otherProperties } = properties;
  return {
    ...topLevel,
    id: profile.resourceId,
    name: profile.name,
    type: PROFILE_TYPE,
    location: profile.location,
    ...(profile.tags && { tags: profile.tags }),
    properties: {
      ...withoutSecrets(otherProperties),
      containers: containers.map((spec) => containerBody(spec, undefined)),
      revision: revision.revision,
    },
  };
}

/** A standby container group pool (spec example StandbyContainerGroupPools_CreateOrUpdate, 2025-03-01). */
export function standbyPoolBody(pool: PoolRecord): Json {
  return {
    properties: {
      elasticityProfile: { maxReadyCapacity: pool.maxReadyCapacity, refillPolicy: pool.refillPolicy },
      containerGroupProperties: {
        containerGroupProfile: pool.profile,
        ...(pool.subnetIds && { subnetIds: pool.subnetIds }),
      },
      ...(pool.zones && { zones: pool.zones }),
      provisioningState: pool.provisioningState,
    },
    ...(pool.tags && { tags: pool.tags }),
    location: pool.location,
    id: pool.resourceId,
    name: pool.name,
    type: STANDBY_POOL_TYPE,
  };
}

/**
 * The pool's runtime view (`.../runtimeViews/latest`): instances by state (creating, running, deleting) and a
 * health status (spec example StandbyContainerGroupPoolRuntimeViews_Get; the degraded code is UNCONFIRMED).
 */
export function runtimeViewBody(pool: PoolRecord, view: string): Json {
  return {
    properties: {
      instanceCountSummary: [
        {
          instanceCountsByState: [
            { state: 'creating', count: pool.creating.size },
            { state: 'running', count: pool.ready.length },
            { state: 'deleting', count: pool.deleting },
          ],
        },
      ],
      provisioningState: 'Succeeded',
      status: pool.health,
    },
    id: `${pool.resourceId}/runtimeViews/${view}`,
    name: view,
    type: `${STANDBY_POOL_TYPE}/runtimeViews`,
  };
}

/** ARM's common operation-status body, as the StandbyPool provider answers its Azure-AsyncOperation URLs. */
export function standbyOperationBody(operation: StandbyOperation, path: string): Json {
  return {
    id: path,
    name: operation.id,
    resourceId: operation.resourceId,
    status: operation.status,
    startTime: formatTicks(operation.startTime),
    ...(operation.endTime !== undefined && { endTime: formatTicks(operation.endTime) }),
  };
}

export function operationStatusBody(operation: AsyncOperation): Json {
  return {
    id: operation.resourceId,
    status: operation.status,
    startTime: formatTicks(operation.startTime),
    properties: { events: operation.events.map(eventBody) },
    ...(operation.error && { error: operation.error }),
  };
}

function containerBody(spec: ContainerSpec, record: ContainerRecord | undefined): Json {
  const { instanceView: _ignored, environmentVariables, ...properties } = spec.properties;
  return {
    name: spec.name,
    properties: {
      ...properties,
      // secure values never come back: the variable is echoed as {name} only
      environmentVariables: environmentVariables.map(({ secureValue, value, ...rest }) =>
        secureValue === undefined && value !== undefined ? { ...rest, value } : rest,
      ),
      ...(record?.currentState && {
        instanceView: {
          restartCount: record.restartCount,
          currentState: stateBody(record.currentState),
          ...(record.previousState && { previousState: stateBody(record.previousState) }),
          events: record.events.map(eventBody),
        },
      }),
    },
  };
}

function stateBody(state: ContainerState): Json {
  return {
    state: state.state,
    ...(state.startTime !== undefined && { startTime: formatMillis(state.startTime) }),
    ...(state.exitCode !== undefined && { exitCode: state.exitCode }),
    ...(state.finishTime !== undefined && { finishTime: formatMillis(state.finishTime) }),
    detailStatus: state.detailStatus,
  };
}

function eventBody(event: ArmEvent): Json {
  return {
    count: event.count,
    firstTimestamp: formatSeconds(event.firstTimestamp),
    lastTimestamp: formatSeconds(event.lastTimestamp),
    name: event.name,
    message: event.message,
    type: event.type,
  };
}

/** Group-level secrets ARM never echoes: registry passwords, storage keys, secret volumes, workspace keys. */
function withoutSecrets(properties: Json): Json {
  const copy: Json = { ...properties };
  if (Array.isArray(copy.imageRegistryCredentials)) {
    copy.imageRegistryCredentials = copy.imageRegistryCredentials.map((credential: unknown) =>
      omit(credential, 'password'),
    );
  }
  if (Array.isArray(copy.volumes)) {
    copy.volumes = copy.volumes.map((volume: unknown) => {
      if (!isObject(volume)) return volume;
      const result: Json = { ...volume };
      if (isObject(result.azureFile)) result.azureFile = omit(result.azureFile, 'storageAccountKey');
      if (isObject(result.secret)) result.secret = {};
      return result;
    });
  }
  const diagnostics = copy.diagnostics;
  if (isObject(diagnostics) && isObject(diagnostics.logAnalytics)) {
    copy.diagnostics = { ...diagnostics, logAnalytics: omit(diagnostics.logAnalytics, 'workspaceKey') };
  }
  return copy;
}

function omit(value: unknown, key: string): unknown {
  if (!isObject(value)) return value;
  const { [key]: _removed, ...rest } = value;
  return rest;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The Usages API body (`GET .../locations/{region}/usages`): one entry per quota of the account. Names as the
 * service reports them; DedicatedContainerGroups is data only (the emulator has no dedicated groups).
 */
export function usagesBody(usage: AccountUsage, quotas: Quotas): { value: Json[] } {
  const entry = (value: string, localizedValue: string, currentValue: number, limit: number): Json => ({
    unit: 'Count',
    currentValue,
    limit,
    name: { value, localizedValue },
  });
  return {
    value: [
      entry('ContainerGroups', 'Container Groups', usage.containerGroups, quotas.containerGroups),
      entry('StandardCores', 'Standard Cores', usage.cores, quotas.cores),
      entry('StandardSpotCores', 'Standard Spot Cores', usage.spotCores, quotas.spotCores),
      entry('DedicatedContainerGroups', 'Dedicated Container Groups', 0, 0),
    ],
  };
}
