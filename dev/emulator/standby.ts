/**
 * `Microsoft.StandbyPool/standbyContainerGroupPools` (api-version 2025-03-01): a pool keeps
 * `elasticityProfile.maxReadyCapacity` warm container groups of a container group profile ready, and refills
 * (`refillPolicy: always`) whenever one is taken.
 *
 * "Ready" is what ACI documents: a warm group is fully provisioned and its containers run (the profile's
 * command starts before anyone asks for the group); per-run settings reach it later as config map files
 * (config-maps.ts). A warm group takes `refillMs` to become ready (its whole provisioning), after the pool is
 * created or one of its groups is taken. Warm groups are not listed among the subscription's container groups
 * (ASSUMPTION: they are the pool's until taken) but count against the account's quotas like any group
 * (ContainerGroups, and StandardCores or StandardSpotCores): they exist and run. A refill that the quota or a
 * capacity outage refuses waits and tries again; the pool's runtime view then reports it degraded.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invalidRequestContent, standbyPoolNotFound } from './arm-errors';
import type { AsyncOperation, GroupRecord } from './model';
import { normaliseLocation } from './model';
import {
  STANDBY_POOL_TYPE,
  parseResourceId,
  resourceKey,
  type ContainerGroupProfiles,
  type ProfileRef,
  type ResourceRef,
} from './profiles';
import type { GroupSpec } from './spec';
import { preciseNow } from './time';

/** What the pools need from the container group engine. */
export interface WarmGroupHost {
  /** a group record for a warm instance, not registered among the container groups */
  createWarm(pool: PoolRecord, spec: GroupSpec, origin: { profileId: string; revision: number }): GroupRecord;
  /** provisions it (its containers start) over `durationMs`; true when it runs */
  provisionWarm(group: GroupRecord, durationMs: number): Promise<boolean>;
  /** kills its processes and frees what it holds */
  discardWarm(group: GroupRecord): Promise<void>;
  /** why the account cannot hold one more group of this spec now (quota, capacity, Spot), or undefined */
  refusal(subscriptionId: string, location: string, spec: GroupSpec): string | undefined;
}

export interface PoolHealth {
  code: string;
  message: string;
}

export interface PoolRecord {
  key: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  resourceId: string;
  /** as given in the PUT (echoed) */
  location: string;
  /** normalised, e.g. "westus" */
  region: string;
  tags?: Record<string, string>;
  zones?: string[];
  maxReadyCapacity: number;
  refillPolicy: string;
  profile: ProfileRef;
  subnetIds?: Array<{ id: string }>;
  provisioningState: 'Succeeded' | 'Deleting';
  /** provisioned, containers running: given out oldest first */
  ready: GroupRecord[];
  /** being provisioned */
  creating: Set<GroupRecord>;
  /** being discarded (pool shrunk, profile changed, pool deleted) */
  deleting: number;
  health: PoolHealth;
  refillTimer?: NodeJS.Timeout;
  lifetime: AbortController;
}

/** An async operation of the StandbyPool resource provider (ARM's common operation-status shape). */
export interface StandbyOperation {
  id: string;
  subscriptionId: string;
  location: string;
  resourceId: string;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  startTime: number;
  endTime?: number;
}

/** A pool as tests see it (`emulator.standbyPools()`). */
export interface StandbyPoolSnapshot {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  maxReadyCapacity: number;
  profile: ProfileRef;
  /** warm groups provisioned and running, and their processes */
  ready: Array<{ name: string; pids: number[] }>;
  creating: number;
  health: PoolHealth;
}

const HEALTHY: PoolHealth = { code: 'HealthState/healthy', message: 'The pool is healthy.' };

const poolBodySchema = z.looseObject({
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({
    elasticityProfile: z.looseObject({
      maxReadyCapacity: z.number().int().min(0).max(2000),
      refillPolicy: z.string().optional(),
    }),
    containerGroupProperties: z.looseObject({
      containerGroupProfile: z.looseObject({
        id: z.string().min(1),
        revision: z.number().int().nonnegative().optional(),
      }),
      subnetIds: z.array(z.looseObject({ id: z.string() })).optional(),
    }),
    zones: z.array(z.string()).optional(),
  }),
});

export interface StandbyConfig {
  profiles: ContainerGroupProfiles;
  host: WarmGroupHost;
  /** how long a refill takes: the whole provisioning of one warm group */
  refillMs: number;
}

export class StandbyPools {
  private readonly pools = new Map<string, PoolRecord>();
  private readonly operations = new Map<string, StandbyOperation>();

  constructor(private readonly config: StandbyConfig) {}

  find(ref: ResourceRef): PoolRecord | undefined {
    return this.pools.get(resourceKey(ref));
  }

  get(ref: ResourceRef): PoolRecord {
    const pool = this.find(ref);
    if (!pool) throw standbyPoolNotFound(ref.resourceGroup, ref.name);
    return pool;
  }

  list(subscriptionId: string, resourceGroup?: string): PoolRecord[] {
    const prefix =
      `${subscriptionId}/${resourceGroup === undefined ? '' : `${resourceGroup}/`}`.toLowerCase();
    return [...this.pools.values()]
      .filter((pool) => pool.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  findOperation(id: string): StandbyOperation | undefined {
    return this.operations.get(id);
  }

  /**
   * PUT: creates or updates the pool (201/200 with Azure-AsyncOperation; the operation succeeds at once: the
   * pool exists, its groups fill in over `refillMs`, as the runtime view shows). The profile must exist. An
   * update to another profile or revision replaces the warm groups; a smaller capacity discards the extra.
   */
  put(ref: ResourceRef, body: unknown): { created: boolean; pool: PoolRecord; operation: StandbyOperation } {
    const parsed = poolBodySchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequestContent(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const { properties } = parsed.data;
    const profile: ProfileRef = {
      id: properties.containerGroupProperties.containerGroupProfile.id,
      ...(properties.containerGroupProperties.containerGroupProfile.revision !== undefined && {
        revision: properties.containerGroupProperties.containerGroupProfile.revision,
      }),
    };
    // the profile (and revision) must exist now
    this.config.profiles.resolve(profile);
    const existing = this.find(ref);
    const settings = {
      location: parsed.data.location,
      region: normaliseLocation(parsed.data.location),
      ...(parsed.data.tags && { tags: parsed.data.tags }),
      ...(properties.zones && { zones: properties.zones }),
      maxReadyCapacity: properties.elasticityProfile.maxReadyCapacity,
      refillPolicy: properties.elasticityProfile.refillPolicy ?? 'always',
      profile,
      ...(properties.containerGroupProperties.subnetIds && {
        subnetIds: properties.containerGroupProperties.subnetIds,
      }),
    };
    let pool: PoolRecord;
    if (existing) {
      const profileChanged =
        existing.profile.id.toLowerCase() !== profile.id.toLowerCase() ||
        existing.profile.revision !== profile.revision ||
        existing.region !== settings.region;
      delete existing.tags;
      delete existing.zones;
      delete existing.subnetIds;
      pool = Object.assign(existing, settings);
      if (profileChanged) for (const group of pool.ready.splice(0)) this.discard(pool, group);
      while (pool.ready.length + pool.creating.size > pool.maxReadyCapacity && pool.ready.length > 0) {
        const extra = pool.ready.pop();
        if (extra) this.discard(pool, extra);
      }
    } else {
      pool = {
        key: resourceKey(ref),
        ...ref,
        resourceId: `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${STANDBY_POOL_TYPE}/${ref.name}`,
        ...settings,
        provisioningState: 'Succeeded',
        ready: [],
        creating: new Set(),
        deleting: 0,
        health: HEALTHY,
        lifetime: new AbortController(),
      };
      this.pools.set(pool.key, pool);
    }
    this.reconcile(pool);
    const operation = this.operation(pool);
    operation.status = 'Succeeded';
    operation.endTime = preciseNow();
    return { created: !existing, pool, operation };
  }

  /**
   * DELETE: the pool goes at once (GET → 404); its warm groups are discarded in the background, and the
   * returned operation (202 + Location) ends when they are gone. Undefined when there was no pool (204).
   */
  delete(ref: ResourceRef): StandbyOperation | undefined {
    const pool = this.find(ref);
    if (!pool) return undefined;
    this.pools.delete(pool.key);
    pool.provisioningState = 'Deleting';
    const operation = this.operation(pool);
    void this.teardown(pool).then(() => {
      operation.status = 'Succeeded';
      operation.endTime = preciseNow();
    });
    return operation;
  }

  /**
   * Takes a ready warm group for a container group PUT naming this pool, or undefined when none fits: no such
   * pool (ASSUMPTION: a reuse failure like an empty pool), another subscription or region, another profile or
   * revision, or nothing ready. The pool then refills.
   */
  take(
    poolId: string,
    want: { subscriptionId: string; location: string; profileId: string; revision: number },
  ): GroupRecord | undefined {
    const ref = parseResourceId(poolId);
    if (!ref || `${ref.namespace}/${ref.type}`.toLowerCase() !== STANDBY_POOL_TYPE.toLowerCase()) {
      return undefined;
    }
    const pool = this.find(ref);
    if (!pool || pool.subscriptionId.toLowerCase() !== want.subscriptionId.toLowerCase()) return undefined;
    if (pool.region !== normaliseLocation(want.location)) return undefined;
    const index = pool.ready.findIndex(
      (group) =>
        group.standby?.profileId.toLowerCase() === want.profileId.toLowerCase() &&
        group.standby.revision === want.revision,
    );
    const [group] = index < 0 ? [] : pool.ready.splice(index, 1);
    if (!group) return undefined;
    group.standby = undefined;
    // after the caller has registered the group (it must keep counting against the quota meanwhile)
    queueMicrotask(() => this.reconcile(pool));
    return group;
  }

  /** Warm groups (ready or being made) of a subscription in a region: they count against its quotas. */
  warmGroups(subscriptionId: string, region: string): GroupRecord[] {
    const location = normaliseLocation(region);
    return [...this.pools.values()]
      .filter((pool) => pool.subscriptionId.toLowerCase() === subscriptionId.toLowerCase())
      .flatMap((pool) => [...pool.ready, ...pool.creating])
      .filter((group) => group.location === location);
  }

  snapshot(): StandbyPoolSnapshot[] {
    return [...this.pools.values()].map((pool) => ({
      subscriptionId: pool.subscriptionId,
      resourceGroup: pool.resourceGroup,
      name: pool.name,
      location: pool.region,
      maxReadyCapacity: pool.maxReadyCapacity,
      profile: pool.profile,
      ready: pool.ready.map((group) => ({
        name: group.name,
        pids: group.containers.flatMap((c) => (c.process?.pid === undefined ? [] : [c.process.pid])),
      })),
      creating: pool.creating.size,
      health: pool.health,
    }));
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => this.teardown(pool)));
  }

  /** Starts warm groups until ready + creating reach maxReadyCapacity, or waits when the account refuses. */
  private reconcile(pool: PoolRecord): void {
    if (pool.lifetime.signal.aborted || pool.refillTimer) return;
    let missing = pool.maxReadyCapacity - pool.ready.length - pool.creating.size;
    if (missing <= 0) return;
    let spec: GroupSpec;
    let origin: { profileId: string; revision: number };
    try {
      const resolved = this.config.profiles.resolve(pool.profile);
      spec = { ...resolved.revision.spec, location: pool.region };
      origin = { profileId: resolved.profile.resourceId, revision: resolved.revision.revision };
    } catch (error) {
      return this.degraded(pool, `The container group profile cannot be used: ${(error as Error).message}`);
    }
    for (; missing > 0; missing -= 1) {
      const refusal = this.config.host.refusal(pool.subscriptionId, pool.region, spec);
      if (refusal !== undefined) return this.degraded(pool, refusal);
      const group = this.config.host.createWarm(pool, spec, origin);
      pool.creating.add(group);
      void this.config.host.provisionWarm(group, this.config.refillMs).then((ready) => {
        pool.creating.delete(group);
        if (pool.lifetime.signal.aborted) return;
        if (ready && !this.current(pool, group)) {
          // the pool moved to another profile or revision meanwhile
          this.discard(pool, group);
          return this.reconcile(pool);
        }
        if (!ready) {
          this.discard(pool, group);
          return this.degraded(pool, 'A standby container group failed to provision.');
        }
        pool.ready.push(group);
        if (pool.ready.length >= pool.maxReadyCapacity) pool.health = HEALTHY;
      });
    }
    pool.health = HEALTHY;
  }

  /** Whether a warm group is of the profile revision the pool asks for now. */
  private current(pool: PoolRecord, group: GroupRecord): boolean {
    try {
      const { profile, revision } = this.config.profiles.resolve(pool.profile);
      return (
        group.standby?.profileId.toLowerCase() === profile.resourceId.toLowerCase() &&
        group.standby.revision === revision.revision
      );
    } catch {
      return false;
    }
  }

  /** Reports the pool degraded and tries again after one refill period. */
  private degraded(pool: PoolRecord, message: string): void {
    pool.health = { code: 'HealthState/degraded', message };
    pool.refillTimer = setTimeout(
      () => {
        pool.refillTimer = undefined;
        this.reconcile(pool);
      },
      Math.max(this.config.refillMs, 100),
    );
  }

  private discard(pool: PoolRecord, group: GroupRecord): void {
    pool.deleting += 1;
    void this.config.host.discardWarm(group).finally(() => {
      pool.deleting -= 1;
    });
  }

  private async teardown(pool: PoolRecord): Promise<void> {
    pool.lifetime.abort();
    clearTimeout(pool.refillTimer);
    pool.refillTimer = undefined;
    const groups = [...pool.ready.splice(0), ...pool.creating];
    pool.creating.clear();
    await Promise.all(groups.map((group) => this.config.host.discardWarm(group)));
  }

  private operation(pool: PoolRecord): StandbyOperation {
    const operation: StandbyOperation = {
      id: randomUUID(),
      subscriptionId: pool.subscriptionId,
      location: pool.region,
      resourceId: pool.resourceId,
      status: 'InProgress',
      startTime: preciseNow(),
    };
    this.operations.set(operation.id, operation);
    return operation;
  }
}

/** The operation record the warm-group provisioning runs under (not an ARM-visible operation). */
export function warmOperation(group: GroupRecord): AsyncOperation {
  return {
    id: randomUUID(),
    kind: 'create',
    subscriptionId: group.subscriptionId,
    location: group.location,
    resourceId: group.resourceId,
    groupName: group.name,
    status: 'Pending',
    startTime: preciseNow(),
    events: [],
  };
}
