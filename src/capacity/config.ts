/**
 * Capacity pools and tenant policies: deployment configuration (ACI_BATCH_CAPACITY_FILE), validated with errors
 * that name the field and the fix. A pool is a subscription and region (and the resource group its groups go
 * to) with ACI's limits; pools that share a subscription and region share one account of those limits, kept
 * by one admission ledger. Pure: the ledger workflow reads the parsed form.
 */
import { z } from 'zod';
import { dnsLabel, durationBetween, resourceGroupName, tenantSchema } from '../shared/validation';

/** ACI's documented defaults per subscription and region (the Usages API corrects cores and groups). */
export const ACI_DEFAULT_LIMITS = {
  /** standard cores (100 documented; 10 on many subscriptions: the Usages API tells) */
  cores: 100,
  /** Spot cores (StandardSpotCores: 10 on pay-as-you-go subscriptions, 100 on EA, 0 on others) */
  spotCores: 10,
  /** standard container groups */
  groups: 100,
  createsPer5Min: 100,
  createsPerHour: 300,
  deletesPer5Min: 100,
  deletesPerHour: 300,
  /** ARM's read refill rate per region and principal */
  armReadsPerSecond: 25,
} as const;

/** The regions where ACI offers Spot container groups (preview). */
export const SPOT_REGIONS: readonly string[] = ['eastus2', 'westeurope', 'westus'];

export type PoolLimits = { -readonly [K in keyof typeof ACI_DEFAULT_LIMITS]: number };

const positive = (what: string) =>
  z.number({ error: `${what} must be a number` }).positive(`${what} must be above 0`);
const count = (what: string) => positive(what).int(`${what} must be a whole number`);

const limitsSchema = z
  .object({
    cores: positive('limits.cores').optional(),
    spotCores: z.number().min(0, 'limits.spotCores must be 0 or more').optional(),
    groups: count('limits.groups').optional(),
    createsPer5Min: count('limits.createsPer5Min').optional(),
    createsPerHour: count('limits.createsPerHour').optional(),
    deletesPer5Min: count('limits.deletesPer5Min').optional(),
    deletesPerHour: count('limits.deletesPerHour').optional(),
    armReadsPerSecond: positive('limits.armReadsPerSecond').optional(),
  })
  .strict()
  .default({})
  .transform((limits): PoolLimits => ({ ...ACI_DEFAULT_LIMITS, ...limits }));

const armResourceId = (what: string, type: string) =>
  z
    .string()
    .regex(
      new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${type}/[^/]+$`, 'i'),
      `${what} must be the ARM id of a ${type} (/subscriptions/.../resourceGroups/.../providers/${type}/<name>)`,
    );

export const regionSchema = z
  .string()
  .regex(/^[a-z0-9]+$/, 'region is an Azure location name such as "eastus"');

export const poolSchema = z
  .object({
    name: dnsLabel('pool name', 40),
    subscriptionId: z.guid('subscriptionId must be a subscription id (a GUID)'),
    region: regionSchema,
    resourceGroup: resourceGroupName,
    limits: limitsSchema,
    /** the share of the ARM read budget the runs' monitors may use (the rest: creates, deletes, logs) */
    monitorReadShare: z.number().min(0.05).max(1).default(0.5),
    /** Spot groups are offered here (ACI offers Spot in eastus2, westeurope and westus) */
    spot: z.boolean().default(false),
    /** warm starts: an ACI standby pool and the container group profile its groups are made from */
    standby: z
      .object({
        poolId: armResourceId('standby.poolId', 'Microsoft.StandbyPool/standbyContainerGroupPools'),
        profile: z
          .object({
            id: armResourceId('standby.profile.id', 'Microsoft.ContainerInstance/containerGroupProfiles'),
            revision: z.number().int().min(0),
          })
          .strict(),
      })
      .strict()
      .optional(),
    /**
     * 1 = real time; below 1 compresses the create/delete windows (5 minutes, 1 hour) for tests and the bench,
     * matching the emulator's own time scale
     */
    windowScale: z.number().positive().max(1).default(1),
  })
  .strict();

export type PoolConfig = z.output<typeof poolSchema>;

export const tenantPolicySchema = z
  .object({
    /** share of contended capacity relative to other tenants (2 = twice a tenant of weight 1) */
    weight: z.number().min(0.001).max(1000).default(1),
    /** hard caps, whatever the free capacity */
    maxCores: positive('maxCores').optional(),
    maxGroups: count('maxGroups').optional(),
    /** a job's priority when its spec sets none: 1 (first) to 5 (last), as Temporal's priority keys */
    defaultPriority: z.number().int().min(1).max(5).default(3),
  })
  .strict();

export type TenantPolicy = z.output<typeof tenantPolicySchema>;

export const capacityConfigSchema = z
  .object({
    /** false: runs create as soon as their job admits them, retrying above quota on their own (the old way) */
    admission: z.boolean().default(true),
    /** how often each ledger reads ACI's usage again and takes back leases of runs that are gone */
    ledgerRefresh: durationBetween('1s', '1h', 'ledgerRefresh').default('2m'),
    /** how long a pool is passed over after ACI said it has no capacity there (ServiceUnavailable) */
    failoverCooldown: durationBetween('1s', '1d', 'failoverCooldown').default('5m'),
    pools: z.array(poolSchema).default([]),
    tenants: z.record(tenantSchema, tenantPolicySchema).default({}),
    /** the policy of tenants not listed */
    defaultTenant: tenantPolicySchema.default({ weight: 1, defaultPriority: 3 }),
    /**
     * for regions no pool names: a pool is made on demand in the worker's subscription and default resource
     * group, with these settings (ACI's documented limits unless set)
     */
    defaults: z
      .object({
        limits: limitsSchema,
        monitorReadShare: z.number().min(0.05).max(1).default(0.5),
        windowScale: z.number().positive().max(1).default(1),
        /** Spot offered in pools made on demand; default: in ACI's Spot regions (SPOT_REGIONS) */
        spot: z.boolean().optional(),
      })
      .strict()
      .default({ limits: { ...ACI_DEFAULT_LIMITS }, monitorReadShare: 0.5, windowScale: 1 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.pools.forEach((pool, index) => {
      if (names.has(pool.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pools', index, 'name'],
          message: `pool name "${pool.name}" is used twice`,
        });
      }
      names.add(pool.name);
      if (pool.spot && !SPOT_REGIONS.includes(pool.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['pools', index, 'spot'],
          message: `ACI offers Spot groups only in ${SPOT_REGIONS.join(', ')}, not in ${pool.region}: set spot to false`,
        });
      }
    });
  });

export type CapacityConfig = z.output<typeof capacityConfigSchema>;

/** Quotas and budgets count per subscription and region: the key of the account pools share. */
export function accountKeyOf(pool: Pick<PoolConfig, 'subscriptionId' | 'region'>): string {
  return `${pool.subscriptionId}/${pool.region}`;
}

export function tenantPolicy(
  config: Pick<CapacityConfig, 'tenants' | 'defaultTenant'>,
  tenant: string,
): TenantPolicy {
  return config.tenants[tenant] ?? config.defaultTenant;
}

/**
 * How often each run of a pool may read its group so that all of them together stay within the monitors'
 * share of the read budget, even with every group slot taken.
 */
export function minMonitorIntervalMs(pool: Pick<PoolConfig, 'limits' | 'monitorReadShare'>): number {
  return Math.ceil((pool.limits.groups / (pool.limits.armReadsPerSecond * pool.monitorReadShare)) * 1000);
}
