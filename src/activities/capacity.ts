/**
 * The admission activities: where a job's runs get capacity (starting the account's ledger on demand), what a
 * ledger needs to know of its account (limits, tenant policies, and ACI's Usages API), and which leases of
 * quiet runs can be taken back (their run closed and their group is gone).
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  accountKeyOf,
  minMonitorIntervalMs,
  tenantPolicy,
  type CapacityConfig,
  type PoolConfig,
} from '../capacity/config';
import { ledgerWorkflowId, type QuotaReading } from '../shared/capacity';
import { durationMs } from '../shared/duration';
import { capacityLedger } from '../workflows/capacityLedger';
import { ignoreNotFound, signal, withFailures } from './arm-calls';
import type { CapacityActivities } from './types';

export interface CapacityActivityDeps {
  capacity: CapacityConfig;
  /** ARM client of the worker's subscription (the Usages API, group checks) */
  aci: ContainerInstanceManagementClient;
  subscriptionId: string;
  /** where groups go when neither the spec nor a pool names a resource group */
  defaultResourceGroup?: string;
  /** a client on the namespace the ledgers and runs live in */
  client: Client;
  /** the task queue the ledgers run on (this worker's) */
  taskQueue: string;
}

/** Usages names as ACI reports them (older: StandardContainerGroups), to the ledger's quotas. */
const USAGE_NAMES: Record<string, QuotaReading['name']> = {
  ContainerGroups: 'groups',
  StandardContainerGroups: 'groups',
  StandardCores: 'cores',
};

export function createCapacityActivities(deps: CapacityActivityDeps): CapacityActivities {
  /** The pool of a region: the configured one, else one made on demand with the defaults. */
  const poolFor = (region: string, resourceGroup?: string): PoolConfig =>
    deps.capacity.pools.find((pool) => pool.region === region) ?? {
      name: region,
      subscriptionId: deps.subscriptionId,
      region,
      resourceGroup: resourceGroup ?? deps.defaultResourceGroup ?? '',
      ...deps.capacity.defaults,
    };
  const poolsOf = (accountKey: string): PoolConfig[] => {
    const configured = deps.capacity.pools.filter((pool) => accountKeyOf(pool) === accountKey);
    if (configured.length) return configured;
    const [subscriptionId, region] = accountKey.split('/') as [string, string];
    return [{ ...poolFor(region), subscriptionId }];
  };

  const ensureLedger = async (accountKey: string): Promise<string> => {
    const workflowId = ledgerWorkflowId(deps.taskQueue, accountKey);
    await deps.client.workflow.start(capacityLedger, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ accountKey }],
      // one ledger per account: a running one is the one
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Admission ledger of ${accountKey}`,
    });
    return workflowId;
  };

  return {
    async resolveCapacity(input) {
      if (!deps.capacity.admission) return null;
      const pool = poolFor(input.region, input.resourceGroup);
      const policy = tenantPolicy(deps.capacity, input.tenant);
      const accountKey = accountKeyOf(pool);
      return {
        ledgerId: await ensureLedger(accountKey),
        accountKey,
        pool: pool.name,
        resourceGroup: input.resourceGroup ?? pool.resourceGroup,
        priority: input.priority ?? policy.defaultPriority,
        weight: policy.weight,
        monitorIntervalMs: minMonitorIntervalMs(pool),
      };
    },

    async loadCapacityAccount({ accountKey }) {
      const [pool] = poolsOf(accountKey) as [PoolConfig];
      return {
        accountKey,
        limits: pool.limits,
        windowScale: pool.windowScale,
        tenants: deps.capacity.tenants,
        defaultTenant: deps.capacity.defaultTenant,
        usages: pool.subscriptionId === deps.subscriptionId ? await readUsages(deps.aci, pool.region) : [],
        refreshMs: durationMs(deps.capacity.ledgerRefresh),
      };
    },

    async findAbandonedLeases({ leases }) {
      const abandoned: string[] = [];
      for (const lease of leases) {
        if (await isRunOpen(deps.client, lease.runId)) continue;
        const group = await withFailures({ operation: 'get container group' }, () =>
          ignoreNotFound(() =>
            deps.aci.containerGroups.get(lease.resourceGroup, lease.groupName, { abortSignal: signal() }),
          ),
        );
        if (!group) abandoned.push(lease.runId);
      }
      return abandoned;
    },

    async ensureCapacityLedger({ accountKey }) {
      await ensureLedger(accountKey);
    },
  };
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
