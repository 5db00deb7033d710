/**
 * The container groups of the emulator and the operations on them, with ACI's rules: quotas, conflicts
 * while a group is transitioning, stop/start/restart semantics (as ACI documents them in "Container instance states"). HTTP-free: routes call it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Accounts } from './accounts';
import {
  ArmError,
  capacityUnavailable,
  containerNotFound,
  groupStopped,
  internalServerError,
  quotaReached,
  resourceNotFound,
  spotInboundConnectivity,
  spotNotSupportedInRegion,
  spotResourcesExceeded,
  standbyReservationFailed,
  transitioning,
} from './arm-errors';
import { RESOURCE_TYPE } from './arm-shapes';
import { ConfigMapStore } from './config-maps';
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
import { ContainerGroupProfiles, groupFromProfile, profileRequestOf, type ProfileRequest } from './profiles';
import {
  configMaps,
  isSpot,
  parseGroupSpec,
  requestedCores,
  requestedMemoryInGB,
  withoutConfigMaps,
  type GroupSpec,
} from './spec';
import { StandbyPools, warmOperation, type PoolRecord } from './standby';
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
  /** how long a standby pool takes to make one warm group ready (default 3000 ms) */
  standbyRefillMs?: number;
}

export interface EvictOptions {
  /** when the platform restarts the group; undefined: never (it stays evicted until deleted) */
  restartAfterMs?: number;
}

/** A container group as tests see it (`emulator.groups()`). */
export interface GroupSnapshot {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  provisioningState: ProvisioningState;
  state: GroupState;
  /** 'Regular' or 'Spot' */
  priority: 'Regular' | 'Spot';
  ip: string;
  operation?: { id: string; kind: ProvisioningOperation; status: OperationStatus };
  /** a Spot eviction in force */
  evicted?: boolean;
  /** isCreatedFromStandbyPool, when the PUT named a standby pool */
  createdFromStandbyPool?: boolean;
  /** the folder standing in for the group's `/mnt/configmap` (ACI_EMULATOR_CONFIGMAP_DIR of its processes) */
  configMapDir: string;
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
  private readonly configMaps = new ConfigMapStore();
  /** stands in for the AAD tenant in echoed identities */
  private readonly tenantId = randomUUID();
  readonly profiles = new ContainerGroupProfiles();
  readonly pools: StandbyPools;

  constructor(
    private readonly config: EngineConfig,
    private readonly faults: FaultInjector,
  ) {
    this.lifecycle = new Lifecycle(
      { images: config.images, killGraceMs: config.killGraceMs, configMaps: this.configMaps },
      faults,
    );
    this.pools = new StandbyPools({
      profiles: this.profiles,
      refillMs: config.standbyRefillMs ?? 3_000,
      host: {
        createWarm: (pool, spec, origin) => this.createWarm(pool, spec, origin),
        provisionWarm: (group, durationMs) => this.provisionWarm(group, durationMs),
        discardWarm: (group) => this.discardWarm(group),
        refusal: (subscriptionId, location, spec) => this.refusal(subscriptionId, location, spec),
      },
    });
  }

  find(ref: GroupRef): GroupRecord | undefined {
    return this.groups.get(groupKey(ref.subscriptionId, ref.resourceGroup, ref.name));
  }

  get(ref: GroupRef): GroupRecord {
    const group = this.find(ref);
    if (!group) throw resourceNotFound(ref.resourceGroup, ref.name);
    return group;
  }

  /** The one group of this name (in `subscriptionId`, or in any subscription when it is unique). */
  locate(resourceGroup: string, name: string, subscriptionId?: string): GroupRef {
    if (subscriptionId !== undefined) return { subscriptionId, resourceGroup, name };
    const matches = [...this.groups.values()].filter(
      (g) =>
        g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase() &&
        g.name.toLowerCase() === name.toLowerCase(),
    );
    const [only] = matches;
    if (matches.length > 1) {
      throw new Error(`Container group '${name}' exists in several subscriptions: name the subscriptionId`);
    }
    return { subscriptionId: only?.subscriptionId ?? '', resourceGroup, name };
  }

  /** Groups of a subscription (optionally one resource group), in a stable order for paging. */
  list(subscriptionId: string, resourceGroup?: string): GroupRecord[] {
    const prefix =
      `${subscriptionId}/${resourceGroup === undefined ? '' : `${resourceGroup}/`}`.toLowerCase();
    return [...this.groups.values()]
      .filter((group) => group.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * PUT: creates the group (`created`) or updates it; either way an async operation follows. From api-version
   * 2024-05-01-preview a PUT may name a container group profile (the group is made from it) and a standby
   * pool: a new group then takes a ready warm group from the pool (fast, isCreatedFromStandbyPool: true), or
   * is created as usual when none is ready (false), or fails when the PUT asks so
   * (`failContainerGroupCreateOnReuseFailure`).
   */
  createOrUpdate(
    ref: GroupRef,
    body: unknown,
    apiVersion?: string,
  ): { created: boolean; group: GroupRecord; operation: AsyncOperation } {
    const request = profileRequestOf(body, apiVersion);
    const spec = request ? this.specFromProfile(ref, body, request) : parseGroupSpec(body, ref.name);
    const existing = this.find(ref);
    if (existing && isTransitioning(existing)) throw transitioning(existing.name);
    const location = existing?.location ?? normaliseLocation(spec.location);

    if (!existing && request?.standbyPool) {
      const profile = spec.properties.containerGroupProfile as { id: string; revision: number };
      const warm = this.pools.take(request.standbyPool.id, {
        subscriptionId: ref.subscriptionId,
        location,
        profileId: profile.id,
        revision: profile.revision,
      });
      if (warm) return this.adopt(ref, warm, spec);
      if (request.standbyPool.failContainerGroupCreateOnReuseFailure) {
        throw standbyReservationFailed(request.standbyPool.id, profile.id, profile.revision);
      }
    }

    // As in ACI, the same PUT again is a no-op, except on a group whose provisioning failed (that retries it)
    // or an evicted one; a change of config maps only is applied in place, without a restart.
    const unchanged =
      existing !== undefined &&
      existing.provisioningState !== 'Failed' &&
      existing.eviction === undefined &&
      JSON.stringify(withoutConfigMaps(existing.spec)) === JSON.stringify(withoutConfigMaps(spec));
    this.checkSpot(ref, spec, location);
    this.checkQuotas(ref, spec, location, existing);
    // a capacity outage refuses anything that needs a new deployment (not a no-op PUT)
    if (!unchanged && this.config.accounts.inOutage(ref.subscriptionId, location)) {
      throw capacityUnavailable(location, requestedCores(spec), requestedMemoryInGB(spec));
    }

    if (existing) {
      existing.spec = spec;
      existing.identity = this.echoIdentity(spec);
      if (request?.standbyPool && existing.createdFromStandbyPool === undefined) {
        existing.createdFromStandbyPool = false;
      }
      this.configMaps.write(existing.uid, configMaps(spec));
      const operation = this.begin(existing, 'create', {
        mode: unchanged ? 'unchanged' : 'redeploy',
        ...split(this.config.latency.provisioningMs),
      });
      return { created: false, group: existing, operation };
    }

    const group = this.newGroup(ref, location, spec);
    if (request?.standbyPool) group.createdFromStandbyPool = false;
    this.groups.set(group.key, group);
    this.configMaps.write(group.uid, configMaps(spec));
    const operation = this.begin(group, 'create', {
      mode: 'deploy',
      ...split(this.config.latency.provisioningMs),
    });
    return { created: true, group, operation };
  }

  /**
   * Spot eviction (an emulator control, not an ARM call): kills the group's processes and shows the eviction
   * (UNCONFIRMED shape: provisioningState Repairing, instanceView.state Pending, each container
   * currentState Waiting/Evicted with previousState Terminated/Evicted, an Evicted warning event on the group
   * and its containers). The platform restarts the group after `restartAfterMs` (once no capacity outage
   * holds in its region), or never. Only a running Spot group can be evicted.
   */
  async evict(ref: GroupRef, options: EvictOptions = {}): Promise<void> {
    const group = this.find(ref);
    if (!group) {
      throw new Error(
        `No container group '${ref.name}' in resource group '${ref.resourceGroup}'${ref.subscriptionId ? ` of subscription '${ref.subscriptionId}'` : ''}`,
      );
    }
    if (!isSpot(group.spec)) {
      throw new Error(
        `Only Spot container groups can be evicted: '${group.name}' has priority '${group.spec.properties.priority ?? 'Regular'}'`,
      );
    }
    const { restartAfterMs } = options;
    if (restartAfterMs !== undefined && !(Number.isFinite(restartAfterMs) && restartAfterMs >= 0)) {
      throw new Error(`restartAfterMs must be a non-negative number of milliseconds, not ${restartAfterMs}`);
    }
    if (group.eviction) throw new Error(`Container group '${group.name}' is already evicted`);
    if (isTransitioning(group)) throw new Error(`Container group '${group.name}' is transitioning`);
    if (group.state !== 'Running') {
      throw new Error(
        `Container group '${group.name}' is ${group.state}: only a running group can be evicted`,
      );
    }
    this.clearTimers(group);
    group.stopping = true;
    try {
      await this.lifecycle.evict(group);
    } finally {
      group.stopping = false;
    }
    if (group.lifetime.signal.aborted) return;
    group.eviction = { at: Date.now(), ...(restartAfterMs !== undefined && { restartAfterMs }) };
    group.state = 'Pending';
    group.provisioningState = 'Repairing';
    if (restartAfterMs !== undefined) this.scheduleRecovery(group, restartAfterMs);
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
    // an evicted group stops waiting for its restart
    this.clearTimers(group);
    group.eviction = undefined;
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
    this.clearTimers(group);
    // ASSUMPTION (UNVERIFIED): an operation cut short by a delete ends Canceled.
    if (group.operation) group.operation.status = 'Canceled';
    group.operation = undefined;
    await sleep(this.config.latency.deleteMs);
    await this.lifecycle.killAll(group);
    this.addresses.release(group.ip);
    this.configMaps.remove(group.uid);
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
    const groups = [
      ...this.list(subscriptionId).filter((g) => g.location === location && g !== except),
      // a standby pool's warm groups exist and run: they count like any group
      ...this.pools.warmGroups(subscriptionId, location),
    ];
    const usage: AccountUsage = { containerGroups: groups.length, cores: 0, spotCores: 0 };
    for (const group of groups) {
      // ASSUMPTION: stopped and evicted groups hold no cores (deallocated / capacity reclaimed)
      if (group.state === 'Stopped' || group.eviction) continue;
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
      priority: isSpot(group.spec) ? 'Spot' : 'Regular',
      ip: group.ip,
      ...(group.operation && {
        operation: { id: group.operation.id, kind: group.operation.kind, status: group.operation.status },
      }),
      ...(group.eviction && { evicted: true }),
      ...(group.createdFromStandbyPool !== undefined && {
        createdFromStandbyPool: group.createdFromStandbyPool,
      }),
      configMapDir: this.configMaps.dirFor(group.uid),
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

  /** Kills every process at once (synchronous), standby pools' too, leaving the records as they are. */
  killNow(): void {
    this.lifecycle.killEveryProcessNow();
  }

  /** Ends every flow and kills every process (standby pools' too). */
  async close(): Promise<void> {
    const groups = [...this.groups.values()];
    this.groups.clear();
    await Promise.all([
      this.pools.close(),
      ...groups.map((group) => {
        group.lifetime.abort();
        this.clearTimers(group);
        return this.lifecycle.killAll(group);
      }),
    ]);
    this.configMaps.close();
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
    // whatever was pending for the group (a platform restart after an eviction) gives way to the operation
    this.clearTimers(group);
    group.eviction = undefined;
    group.operation = operation;
    group.provisioningState = 'Pending';
    if (plan.mode !== 'unchanged' && plan.mode !== 'adopt') group.state = 'Pending';
    this.lifecycle.provision(group, operation, plan).then(
      () => {
        if (operation.status === 'Succeeded') this.armAutoEviction(group);
      },
      (error: unknown) => {
        if (group.lifetime.signal.aborted) return;
        // A bug, not an ACI behaviour: make it visible as a failed operation rather than a hung one.
        operation.status = 'Failed';
        operation.error = internalServerError(operation.id).body().error;
        group.provisioningState = 'Failed';
        group.operation = undefined;
        console.error('ACI emulator: operation failed unexpectedly', error);
      },
    );
    return operation;
  }

  private newGroup(ref: GroupRef, location: string, spec: GroupSpec): GroupRecord {
    return {
      key: groupKey(ref.subscriptionId, ref.resourceGroup, ref.name),
      uid: randomUUID(),
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
      events: [],
      stopping: false,
      lifetime: new AbortController(),
    };
  }

  /** The group a profile-based PUT describes (profile revision + the request's config maps and identity). */
  private specFromProfile(ref: GroupRef, body: unknown, request: ProfileRequest): GroupSpec {
    const { profile, revision } = this.profiles.resolve(request.profile);
    return groupFromProfile(body, ref.name, profile, revision);
  }

  /**
   * A warm group taken from a standby pool becomes the requested group: it keeps its processes (and their
   * log), gets the request's name, identity and config maps (written as files at once), and its operation
   * takes only the start latency. It already counted against the account's quotas.
   */
  private adopt(
    ref: GroupRef,
    warm: GroupRecord,
    spec: GroupSpec,
  ): { created: boolean; group: GroupRecord; operation: AsyncOperation } {
    Object.assign(warm, {
      key: groupKey(ref.subscriptionId, ref.resourceGroup, ref.name),
      subscriptionId: ref.subscriptionId,
      resourceGroup: ref.resourceGroup,
      name: ref.name,
      resourceId: `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${RESOURCE_TYPE}/${ref.name}`,
      spec,
      identity: this.echoIdentity(spec),
      createdFromStandbyPool: true,
    });
    this.groups.set(warm.key, warm);
    this.configMaps.write(warm.uid, configMaps(spec));
    const operation = this.begin(warm, 'create', { mode: 'adopt', ...split(this.config.latency.startMs) });
    return { created: true, group: warm, operation };
  }

  private createWarm(
    pool: PoolRecord,
    spec: GroupSpec,
    origin: { profileId: string; revision: number },
  ): GroupRecord {
    const name = `${pool.name}-${randomUUID().slice(0, 8)}`;
    const group = this.newGroup(
      { subscriptionId: pool.subscriptionId, resourceGroup: pool.resourceGroup, name },
      pool.region,
      spec,
    );
    group.key = `standby:${pool.key}/${name}`;
    group.standby = { poolKey: pool.key, ...origin };
    return group;
  }

  private async provisionWarm(group: GroupRecord, durationMs: number): Promise<boolean> {
    const operation = warmOperation(group);
    group.operation = operation;
    try {
      await this.lifecycle.provision(group, operation, {
        mode: 'deploy',
        skipFaults: true,
        ...split(durationMs),
      });
    } catch {
      return false;
    }
    return operation.status === 'Succeeded';
  }

  private async discardWarm(group: GroupRecord): Promise<void> {
    group.lifetime.abort();
    this.clearTimers(group);
    group.operation = undefined;
    await this.lifecycle.killAll(group);
    this.addresses.release(group.ip);
    this.configMaps.remove(group.uid);
  }

  /** Why the account cannot hold one more group of this spec now, for a standby pool's refill. */
  private refusal(subscriptionId: string, location: string, spec: GroupSpec): string | undefined {
    const ref = { subscriptionId, resourceGroup: '', name: '' };
    try {
      this.checkSpot(ref, spec, location);
      this.checkQuotas(ref, spec, location, undefined, false);
    } catch (error) {
      if (error instanceof ArmError) return error.message;
      throw error;
    }
    if (this.config.accounts.inOutage(subscriptionId, location)) {
      return capacityUnavailable(location, requestedCores(spec), requestedMemoryInGB(spec)).message;
    }
    return undefined;
  }

  /** The platform's restart of an evicted group, once no capacity outage holds in its region. */
  private scheduleRecovery(group: GroupRecord, delayMs: number): void {
    group.evictionTimer = setTimeout(() => {
      group.evictionTimer = undefined;
      if (group.lifetime.signal.aborted || !group.eviction || isTransitioning(group)) return;
      if (this.config.accounts.inOutage(group.subscriptionId, group.location)) {
        return this.scheduleRecovery(group, Math.max(delayMs, 100));
      }
      this.begin(group, 'restart', { mode: 'recover', ...split(this.config.latency.startMs) });
    }, delayMs);
  }

  /** The account's automatic Spot evictions (`spotEvictions`): a running Spot group is evicted after `afterMs`. */
  private armAutoEviction(group: GroupRecord): void {
    if (!isSpot(group.spec) || group.autoEvictionTimer || group.lifetime.signal.aborted) return;
    const { spotEvictions } = this.config.accounts.settings(group.subscriptionId, group.location);
    if (!spotEvictions) return;
    group.autoEvictionTimer = setTimeout(() => {
      group.autoEvictionTimer = undefined;
      if (group.lifetime.signal.aborted || group.eviction || isTransitioning(group)) return;
      if (group.state !== 'Running' || !this.groups.has(group.key)) return;
      const { resourceGroup, name, subscriptionId } = group;
      this.evict(
        { subscriptionId, resourceGroup, name },
        spotEvictions.restartAfterMs === undefined ? {} : { restartAfterMs: spotEvictions.restartAfterMs },
      ).catch((error: unknown) => console.error('ACI emulator: automatic eviction failed', error));
    }, spotEvictions.afterMs);
  }

  private clearTimers(group: GroupRecord): void {
    clearTimeout(group.evictionTimer);
    clearTimeout(group.autoEvictionTimer);
    group.evictionTimer = undefined;
    group.autoEvictionTimer = undefined;
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
    faults = true,
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
    const forced = faults && this.faults.takeProvisioning('quotaReached', 'create', ref.name);
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
