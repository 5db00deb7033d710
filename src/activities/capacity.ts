/**
 * The admission activities: where a job's runs get capacity (the pools it may use, starting the deployment's
 * ledger on demand), what the ledger needs to know of those pools (accounts, limits, tenant policies, and ACI's
 * Usages API), and which leases of quiet runs can be taken back (their run closed and their group is gone).
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { AccountInfo, PoolInfo } from '../capacity/book';
import {
  accountKeyOf,
  minMonitorIntervalMs,
  SPOT_REGIONS,
  tenantPolicy,
  type CapacityConfig,
  type PoolConfig,
} from '../capacity/config';
import { ledgerWorkflowId, type PoolPlacement, type QuotaReading } from '../shared/capacity';
import { durationMs } from '../shared/duration';
import { DEFAULT_REGION, SPOT_LIMITS } from '../shared/job-spec';
import { capacityLedger } from '../workflows/capacityLedger';
import { clientOf, ignoreNotFound, signal, withFailures, type AciClients } from './arm-calls';
import type { CapacityActivities } from './types';

export interface CapacityActivityDeps extends AciClients {
  capacity: CapacityConfig;
  /** the worker's own subscription: pools made on demand live there */
  subscriptionId: string;
  /** where groups go when neither the spec nor a pool names a resource group */
  defaultResourceGroup?: string;
  /** a client on the namespace the ledger and runs live in */
  client: Client;
  /** the task queue the ledger runs on (this worker's) */
  taskQueue: string;
}

/** The failure type of a job whose placement no pool can serve. */
export const INVALID_PLACEMENT = 'InvalidPlacement';

/** Quiet leases checked at once by findAbandonedLeases. */
const ABANDONED_CHECKS_AT_ONCE = 16;

/** Usages names as ACI reports them (older: StandardContainerGroups), to the ledger's quotas. */
const USAGE_NAMES: Record<string, QuotaReading['name']> = {
  ContainerGroups: 'groups',
  StandardContainerGroups: 'groups',
  StandardCores: 'cores',
  StandardSpotCores: 'spotCores',
};

export function createCapacityActivities(deps: CapacityActivityDeps): CapacityActivities {
  /** A pool by name: a configured one, else the configured pool of that region, else one made on demand. */
  const poolNamed = (name: string, resourceGroup?: string): PoolConfig => {
    const configured =
      deps.capacity.pools.find((pool) => pool.name === name) ??
      deps.capacity.pools.find((pool) => pool.region === name);
    if (configured) return configured;
    const { spot, ...defaults } = deps.capacity.defaults;
    return {
      name,
      subscriptionId: deps.subscriptionId,
      region: name,
      resourceGroup: resourceGroup ?? deps.defaultResourceGroup ?? '',
      ...defaults,
      spot: spot ?? SPOT_REGIONS.includes(name),
    };
  };

  const ensureLedger = async (): Promise<string> => {
    const workflowId = ledgerWorkflowId(deps.taskQueue);
    await deps.client.workflow.start(capacityLedger, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{}],
      // one ledger per deployment: a running one is the one
      workflowIdConflictPolicy: 'USE_EXISTING',
      // its tasks go before the runs' (priority 1 to 5): a burst of run starts must not hold up the grants
      priority: { priorityKey: 1 },
      // its task after a burst handles thousands of signals from a history of megabytes: 10,000 requests at
      // once took it 8 s on a busy dev server, near the default 10 s, after which the task would start over
      workflowTaskTimeout: '60s',
      staticSummary: `Admission ledger of task queue ${deps.taskQueue}`,
    });
    return workflowId;
  };

  return {
    async resolveCapacity(input) {
      if (!deps.capacity.admission) return null;
      const names = input.placement?.pools ?? [input.region ?? DEFAULT_REGION];
      const pools = names.map((name) => poolNamed(name, input.resourceGroup));
      const spot = input.placement?.spot ?? 'never';
      const serving = pools.filter((pool) => canServe(pool, input, spot));
      if (serving.length === 0) {
        throw ApplicationFailure.nonRetryable(
          `No pool of ${names.join(', ')} can serve a group of ${input.cpu} vCPU and ${input.memoryGB} GB ` +
            `(${pools.map((pool) => `${pool.name}: at most ${pool.limits.cores} cores`).join('; ')}); ` +
            'ask for less, or place the job in a pool with more',
          INVALID_PLACEMENT,
        );
      }
      const policy = tenantPolicy(deps.capacity, input.tenant);
      return {
        ledgerId: await ensureLedger(),
        pools: serving.map((pool): PoolPlacement => ({
          name: pool.name,
          accountKey: accountKeyOf(pool),
          subscriptionId: pool.subscriptionId,
          region: pool.region,
          resourceGroup: input.placement ? pool.resourceGroup : (input.resourceGroup ?? pool.resourceGroup),
          spot: pool.spot,
          monitorIntervalMs: minMonitorIntervalMs(pool),
          ...(pool.standby && { standby: pool.standby }),
        })),
        spot,
        priority: input.priority ?? policy.defaultPriority,
        weight: policy.weight,
      };
    },

    async describeCapacity({ pools: names }) {
      const pools = names.map((name) => poolNamed(name));
      const accounts = new Map<string, AccountInfo>();
      for (const pool of pools) {
        const accountKey = accountKeyOf(pool);
        // pools of one account share its limits: the first pool's (configure them alike)
        if (!accounts.has(accountKey))
          accounts.set(accountKey, { accountKey, limits: pool.limits, windowScale: pool.windowScale });
      }
      const usages: Record<string, QuotaReading[]> = {};
      for (const pool of pools) {
        const accountKey = accountKeyOf(pool);
        if (!(accountKey in usages))
          usages[accountKey] = await readUsages(clientOf(deps, pool.subscriptionId), pool.region);
      }
      return {
        pools: pools.map((pool): PoolInfo => ({
          name: pool.name,
          accountKey: accountKeyOf(pool),
          spot: pool.spot,
        })),
        accounts: [...accounts.values()],
        tenants: deps.capacity.tenants,
        defaultTenant: deps.capacity.defaultTenant,
        usages,
        refreshMs: durationMs(deps.capacity.ledgerRefresh),
        cooldownMs: durationMs(deps.capacity.failoverCooldown),
      };
    },

    async findAbandonedLeases({ leases }) {
      const abandoned: string[] = [];
      const isAbandoned = async (lease: (typeof leases)[number]): Promise<boolean> => {
        if (await isRunOpen(deps.client, lease.runId)) return false;
        const pool = poolNamed(lease.pool);
        const group = await withFailures({ operation: 'get container group' }, () =>
          ignoreNotFound(() =>
            clientOf(deps, pool.subscriptionId).containerGroups.get(
              lease.resourceGroup ?? pool.resourceGroup,
              lease.groupName,
              { abortSignal: signal() },
            ),
          ),
        );
        return !group;
      };
      // a few at a time: the ledger waits for this (one describe after another took 0.1-2.7 s for 30 leases),
      // and ARM reads of gone runs' groups stay few
      for (let from = 0; from < leases.length; from += ABANDONED_CHECKS_AT_ONCE) {
        const batch = leases.slice(from, from + ABANDONED_CHECKS_AT_ONCE);
        const found = await Promise.all(batch.map(isAbandoned));
        abandoned.push(...batch.filter((_, i) => found[i]).map((lease) => lease.runId));
      }
      return abandoned;
    },

    async ensureCapacityLedger() {
      await ensureLedger();
    },
  };
}

/** Whether a pool can ever serve one group of this size, as a Regular group or (when the job allows) a Spot one. */
function canServe(
  pool: PoolConfig,
  size: { cpu: number; memoryGB: number },
  spot: 'never' | 'allow' | 'prefer',
): boolean {
  const regular = size.cpu <= pool.limits.cores;
  const spotToo =
    spot !== 'never' &&
    pool.spot &&
    size.cpu <= Math.min(pool.limits.spotCores, SPOT_LIMITS.cpu) &&
    size.memoryGB <= SPOT_LIMITS.memoryGB;
  return regular || spotToo;
}

/** Cores and groups used in the subscription and region, by anyone, with their limits (ACI's Usages API). */
async function readUsages(aci: ContainerInstanceManagementClient, region: string): Promise<QuotaReading[]> {
  const readings: QuotaReading[] = [];
  await withFailures({ operation: 'list usages' }, async () => {
    for await (const usage of aci.location.listUsage(region, { abortSignal: signal() })) {
      const name = USAGE_NAMES[usage.name?.value ?? ''];
      if (name && usage.limit !== undefined && usage.currentValue !== undefined) {
        readings.push({ name, limit: usage.limit, used: usage.currentValue });
      }
    }
  });
  return readings;
}

/** Running, or in any state but plainly closed: its run still owns its lease. */
async function isRunOpen(client: Client, runId: string): Promise<boolean> {
  try {
    const { status } = await client.workflow.getHandle(runId).describe();
    return status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
