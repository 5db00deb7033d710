/**
 * The container groups of the emulator and the operations on them, with ACI's rules: quotas, conflicts
 * while a group is transitioning, stop/start/restart semantics (as ACI documents them in "Container instance states"). HTTP-free: routes call it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Accounts } from './accounts';
import {
  capacityUnavailable,
  containerNotFound,
  groupStopped,
  internalServerError,
  quotaReached,
  resourceNotFound,
  spotInboundConnectivity,
  spotNotSupportedInRegion,
  spotResourcesExceeded,
  transitioning,
} from './arm-errors';
import { RESOURCE_TYPE } from './arm-shapes';
import type { FaultInjector, ProvisioningOperation } from './faults';
import type { ImageMap } from './images';
import { LoopbackPool } from './ip-pool';
import { Lifecycle, type ProvisioningPlan } from './lifecycle';
import {
  groupKey,
  isTransitioning,
  normaliseLocation,
  type AsyncOperation,
  type ContainerStateName,
  type GroupRecord,
  type GroupState,
  type OperationStatus,
  type ProvisioningState,
} from './model';
import { isSpot, parseGroupSpec, requestedCores, requestedMemoryInGB, type GroupSpec } from './spec';
import { preciseNow } from './time';

export interface GroupRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface Quotas {
  /** container groups per subscription and region (ACI default 100) */
  containerGroups: number;
  /** StandardCores per subscription and region (ACI default 100): cores of Regular groups */
  cores: number;
  /** StandardSpotCores per subscription and region (ACI default 10 pay-as-you-go, 100 EA): cores of Spot groups */
  spotCores: number;
}

export const DEFAULT_QUOTAS: Quotas = { containerGroups: 100, cores: 100, spotCores: 10 };

/** ACI's per-group maximum for Spot container groups. */
export const SPOT_MAX = { cpu: 4, memoryInGB: 16 } as const;

/** What counts against an account's quotas now. */
export interface AccountUsage {
  /** every group of the subscription in the region (stopped ones too) */
  containerGroups: number;
  /** cores of the Regular groups that are not stopped */
  cores: number;
  /** cores of the Spot groups that are not stopped */
  spotCores: number;
}

/** How long operations take; all zero by default so tests are fast. */
export interface LatencyProfile {
  /** PUT: the operation is Pending for the first half, Creating for the second, then processes start */
  provisioningMs: number;
  /** start and restart, split the same way */
  startMs: number;
  /** DELETE answers after this long (it is synchronous in ACI) */
  deleteMs: number;
}

export interface EngineConfig {
  images: ImageMap;
  /** quotas, Spot and outages per subscription and region */
  accounts: Accounts;
  latency: LatencyProfile;
  killGraceMs: number;
}

/** A container group as tests see it (`emulator.groups()`). */
export interface GroupSnapshot {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  provisioningState: ProvisioningState;
  state: GroupState;
  ip: string;
  operation?: { id: string; kind: ProvisioningOperation; status: OperationStatus };
  containers: Array<{
    name: string;
    image: string;
    state?: ContainerStateName;
    exitCode?: number;
    restartCount: number;
    /** pid of the running process (absent when none runs) */
    pid?: number;
  }>;
}

export class ContainerGroupEngine {
  private readonly groups = new Map<string, GroupRecord>();
  private readonly operations = new Map<string, AsyncOperation>();
  private readonly addresses = new LoopbackPool();
  private readonly lifecycle: Lifecycle;
  /** stands in for the AAD tenant in echoed identities */
  private readonly tenantId = randomUUID();

  constructor(
    private readonly config: EngineConfig,
    private readonly faults: FaultInjector,
  ) {
    this.lifecycle = new Lifecycle({ images: config.images, killGraceMs: config.killGraceMs }, faults);
  }

  find(ref: GroupRef): GroupRecord | undefined {
    return this.groups.get(groupKey(ref.subscriptionId, ref.resourceGroup, ref.name));
  }

  get(ref: GroupRef): GroupRecord {
    const group = this.find(ref);
    if (!group) throw resourceNotFound(ref.resourceGroup, ref.name);
    return group;
  }

  /** Groups of a subscription (optionally one resource group), in a stable order for paging. */
  list(subscriptionId: string, resourceGroup?: string): GroupRecord[] {
    const prefix =
      `${subscriptionId}/${resourceGroup === undefined ? '' : `${resourceGroup}/`}`.toLowerCase();
    return [...this.groups.values()]
      .filter((group) => group.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** PUT: creates the group (`created`) or updates it; either way an async operation follows. */
  createOrUpdate(
    ref: GroupRef,
    body: unknown,
  ): { created: boolean; group: GroupRecord; operation: AsyncOperation } {
    const spec = parseGroupSpec(body, ref.name);
    const existing = this.find(ref);
    if (existing && isTransitioning(existing)) throw transitioning(existing.name);
    const location = existing?.location ?? normaliseLocation(spec.location);
    // as in ACI, the same PUT again is a no-op, except on a group whose provisioning failed: that retries it
    const unchanged =
      existing !== undefined &&
      existing.provisioningState !== 'Failed' &&
      JSON.stringify(existing.spec) === JSON.stringify(spec);
    this.checkSpot(ref, spec, location);
    this.checkQuotas(ref, spec, location, existing);
    // a capacity outage refuses anything that needs a new deployment (not a no-op PUT)
    if (!unchanged && this.config.accounts.inOutage(ref.subscriptionId, location)) {
      throw capacityUnavailable(location, requestedCores(spec), requestedMemoryInGB(spec));
    }

    if (existing) {
      existing.spec = spec;
      existing.identity = this.echoIdentity(spec);
      const operation = this.begin(existing, 'create', {
        mode: unchanged ? 'unchanged' : 'redeploy',
        ...split(this.config.latency.provisioningMs),
      });
      return { created: false, group: existing, operation };
    }

    const key = groupKey(ref.subscriptionId, ref.resourceGroup, ref.name);
    const group: GroupRecord = {
      key,
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      name: ref.name,
      location,
      resourceId: `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${RESOURCE_TYPE}/${ref.name}`,
      spec,
      identity: this.echoIdentity(spec),
      provisioningState: 'Pending',
      state: 'Pending',
      ip: this.addresses.allocate(),
      containers: this.lifecycle.freshContainers(spec),
      stopping: false,
      lifetime: new AbortController(),
    };
    this.groups.set(key, group);
    const operation = this.begin(group, 'create', {
      mode: 'deploy',
      ...split(this.config.latency.provisioningMs),
    });
    return { created: true, group, operation };
  }

  /** POST start: a new deployment of a stopped or finished group; `undefined` when it already runs (204). */
  start(ref: GroupRef): AsyncOperation | undefined {
    const group = this.get(ref);
    if (isTransitioning(group)) throw transitioning(group.name);
    if (group.state === 'Running') return undefined;
    return this.begin(group, 'start', { mode: 'redeploy', ...split(this.config.latency.startMs) });
  }

  /** POST restart: restarts the containers in place. */
  restart(ref: GroupRef): AsyncOperation {
    const group = this.get(ref);
    if (isTransitioning(group)) throw transitioning(group.name);
    if (group.state === 'Stopped') throw groupStopped(group.name, group.resourceGroup);
    return this.begin(group, 'restart', { mode: 'restart', ...split(this.config.latency.startMs) });
  }

  /** POST stop (synchronous): kills the processes; no effect on a group whose containers have all ended. */
  async stop(ref: GroupRef): Promise<void> {
    const group = this.get(ref);
    if (isTransitioning(group)) throw transitioning(group.name);
    if (group.state === 'Succeeded' || group.state === 'Failed' || group.state === 'Stopped') return;
    group.stopping = true;
    try {
      await this.lifecycle.killAll(group);
    } finally {
      group.stopping = false;
    }
    group.state = 'Stopped';
    group.provisioningState = 'Succeeded';
  }

  /** DELETE (synchronous): removes the group and kills its processes; `undefined` when there was none. */
  async delete(ref: GroupRef): Promise<GroupRecord | undefined> {
    const group = this.find(ref);
    if (!group) return undefined;
    this.groups.delete(group.key);
    group.lifetime.abort();
    // ASSUMPTION (UNVERIFIED): an operation cut short by a delete ends Canceled.
    if (group.operation) group.operation.status = 'Canceled';
    group.operation = undefined;
    await sleep(this.config.latency.deleteMs);
    await this.lifecycle.killAll(group);
    this.addresses.release(group.ip);
    return group;
  }

  logs(ref: GroupRef, containerName: string, options: { tail?: number; timestamps?: boolean }): string {
    const group = this.get(ref);
    const container = group.containers.find((c) => c.name === containerName);
    if (!container) throw containerNotFound(containerName, group.name);
    // Real ACI answers ContainerGroupTransitioning for logs while the group is being (re)deployed.
    if (group.operation) throw transitioning(group.name);
    return container.log.render(options);
  }

  /**
   * What counts against the quotas of a subscription in a region (`except`: a group to leave out, the one a
   * PUT replaces). ASSUMPTION: stopped groups are deallocated and hold no cores; every other group does.
   */
  usage(subscriptionId: string, region: string, except?: GroupRecord): AccountUsage {
    const location = normaliseLocation(region);
    const groups = this.list(subscriptionId).filter((g) => g.location === location && g !== except);
    const usage: AccountUsage = { containerGroups: groups.length, cores: 0, spotCores: 0 };
    for (const group of groups) {
      if (group.state === 'Stopped') continue;
      if (isSpot(group.spec)) usage.spotCores += requestedCores(group.spec);
      else usage.cores += requestedCores(group.spec);
    }
    return usage;
  }

  findOperation(operationId: string): AsyncOperation | undefined {
    return this.operations.get(operationId);
  }

  snapshot(): GroupSnapshot[] {
    return [...this.groups.values()].map((group) => ({
      subscriptionId: group.subscriptionId,
      resourceGroup: group.resourceGroup,
      name: group.name,
      location: group.location,
      provisioningState: group.provisioningState,
      state: group.state,
      ip: group.ip,
      ...(group.operation && {
        operation: { id: group.operation.id, kind: group.operation.kind, status: group.operation.status },
      }),
      containers: group.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.currentState && { state: c.currentState.state }),
        ...(c.currentState?.exitCode !== undefined && { exitCode: c.currentState.exitCode }),
        restartCount: c.restartCount,
        ...(c.process?.pid !== undefined && { pid: c.process.pid }),
      })),
    }));
  }

  /** Ends every flow and kills every process. */
  async close(): Promise<void> {
    const groups = [...this.groups.values()];
    this.groups.clear();
    await Promise.all(
      groups.map((group) => {
        group.lifetime.abort();
        return this.lifecycle.killAll(group);
      }),
    );
  }

  private begin(group: GroupRecord, kind: ProvisioningOperation, plan: ProvisioningPlan): AsyncOperation {
    const operation: AsyncOperation = {
      id: randomUUID(),
      kind,
      subscriptionId: group.subscriptionId,
      location: group.location,
      resourceId: group.resourceId,
      groupName: group.name,
      status: 'Pending',
      startTime: preciseNow(),
      events: [],
    };
    this.operations.set(operation.id, operation);
    group.operation = operation;
    group.provisioningState = 'Pending';
    if (plan.mode !== 'unchanged') group.state = 'Pending';
    this.lifecycle.provision(group, operation, plan).catch((error: unknown) => {
      if (group.lifetime.signal.aborted) return;
      // A bug, not an ACI behaviour: make it visible as a failed operation rather than a hung one.
      operation.status = 'Failed';
      operation.error = internalServerError(operation.id).body().error;
      group.provisioningState = 'Failed';
      group.operation = undefined;
      console.error('ACI emulator: operation failed unexpectedly', error);
    });
    return operation;
  }

  /** Spot: only where the account allows it, without a public IP, within 4 vCPU / 16 GB. */
  private checkSpot(ref: GroupRef, spec: GroupSpec, location: string): void {
    if (!isSpot(spec)) return;
    if (!this.config.accounts.settings(ref.subscriptionId, location).spot) {
      throw spotNotSupportedInRegion(ref.name, location);
    }
    if (spec.properties.ipAddress?.type === 'Public') throw spotInboundConnectivity(ref.name);
    const cpu = requestedCores(spec);
    const memoryInGB = requestedMemoryInGB(spec);
    if (cpu > SPOT_MAX.cpu || memoryInGB > SPOT_MAX.memoryInGB) {
      throw spotResourcesExceeded(ref.name, cpu, memoryInGB, SPOT_MAX.cpu, SPOT_MAX.memoryInGB);
    }
  }

  /** The account's quotas: the group count, then StandardCores (Regular) or StandardSpotCores (Spot). */
  private checkQuotas(
    ref: GroupRef,
    spec: GroupSpec,
    location: string,
    existing: GroupRecord | undefined,
  ): void {
    const usage = this.usage(ref.subscriptionId, location, existing);
    const { quotas } = this.config.accounts.settings(ref.subscriptionId, location);
    if (!existing && usage.containerGroups + 1 > quotas.containerGroups) {
      throw quotaReached('ContainerGroups', location, quotas.containerGroups, usage.containerGroups, 1);
    }
    const cores = requestedCores(spec);
    const [quota, used, limit] = isSpot(spec)
      ? (['StandardSpotCores', usage.spotCores, quotas.spotCores] as const)
      : (['StandardCores', usage.cores, quotas.cores] as const);
    const forced = this.faults.takeProvisioning('quotaReached', 'create', ref.name);
    if (forced || used + cores > limit) throw quotaReached(quota, location, limit, used, cores);
  }

  /** The identity as ACI echoes it: generated principal/client ids and the tenant. */
  private echoIdentity(spec: GroupSpec): Record<string, unknown> | undefined {
    const { identity } = spec;
    if (!identity) return undefined;
    const systemAssigned = identity.type.includes('SystemAssigned');
    const userAssigned = identity.userAssignedIdentities;
    return {
      ...(systemAssigned && { principalId: randomUUID() }),
      tenantId: this.tenantId,
      type: identity.type,
      ...(userAssigned && {
        userAssignedIdentities: Object.fromEntries(
          Object.keys(userAssigned).map((id) => [id, { principalId: randomUUID(), clientId: randomUUID() }]),
        ),
      }),
    };
  }
}

function split(totalMs: number): Pick<ProvisioningPlan, 'pendingMs' | 'creatingMs'> {
  const pendingMs = Math.round(totalMs / 2);
  return { pendingMs, creatingMs: totalMs - pendingMs };
}
