/**
 * The admission activities with the REAL Azure SDK against the emulator (the Usages API, group reads in two
 * subscriptions), and the Temporal client faked at the edge (the ledger's start and the runs' descriptions).
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClients } from '../../dev/local-stack';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { createCapacityActivities, INVALID_PLACEMENT } from '../../src/activities/capacity';
import type { CapacityActivities } from '../../src/activities/types';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { capacityConfigSchema, type CapacityConfig } from '../../src/capacity/config';
import { ledgerWorkflowId } from '../../src/shared/capacity';
import { activityEnv } from './activity-env';

const OTHER_SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const TASK_QUEUE = 'capacity-activities';

let emulator: Emulator;
let clients: {
  aci: ContainerInstanceManagementClient;
  aciFor: (id: string) => ContainerInstanceManagementClient;
};

beforeAll(async () => {
  emulator = await startEmulator({
    accounts: [
      { subscriptionId: OTHER_SUBSCRIPTION, region: 'westus', quotas: { containerGroups: 7, cores: 9 } },
    ],
  });
  clients = emulatorClients(emulator.endpoint, emulator.caPem);
});
afterAll(() => emulator?.close());

/** A Temporal client faked at the edge: ledger starts are recorded; runs are open unless listed as closed. */
function fakeTemporal(closedRuns: string[] = []) {
  const started: string[] = [];
  const client = {
    workflow: {
      start: async (_workflow: unknown, options: { workflowId: string }) =>
        void started.push(options.workflowId),
      getHandle: (runId: string) => ({
        describe: async () => {
          if (closedRuns.includes(runId)) throw new WorkflowNotFoundError('gone', runId, undefined);
          return { status: { name: 'RUNNING' } };
        },
      }),
    },
  } as unknown as Client;
  return { client, started };
}

const CONFIG = capacityConfigSchema.parse({
  pools: [
    {
      name: 'east',
      subscriptionId: EMULATOR_SUBSCRIPTION_ID,
      region: 'eastus',
      resourceGroup: 'rg-east',
      limits: { cores: 8 },
    },
    {
      name: 'west',
      subscriptionId: OTHER_SUBSCRIPTION,
      region: 'westus',
      resourceGroup: 'rg-west',
      limits: { cores: 2, spotCores: 4 },
      spot: true,
    },
  ],
  tenants: { acme: { weight: 2, defaultPriority: 2 } },
});

function activities(config: CapacityConfig = CONFIG, closedRuns: string[] = []) {
  const temporal = fakeTemporal(closedRuns);
  const created: CapacityActivities = createCapacityActivities({
    ...clients,
    capacity: config,
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    defaultResourceGroup: 'rg-default',
    client: temporal.client,
    taskQueue: TASK_QUEUE,
  });
  return { ...created, started: temporal.started };
}

/** Runs a call inside an activity context (signals, heartbeats). */
const run = <T>(call: () => Promise<T>): Promise<T> => activityEnv().run(call);

describe('resolveCapacity', () => {
  it('names the pools a job may use, in its order, by name or by region, and starts the ledger', async () => {
    const { resolveCapacity, started } = activities();
    const placement = await run(() =>
      resolveCapacity({
        tenant: 'acme',
        placement: { pools: ['westus', 'east', 'northeurope'], spot: 'allow' },
        cpu: 1,
        memoryGB: 1,
      }),
    );
    expect(placement).toMatchObject({
      ledgerId: ledgerWorkflowId(TASK_QUEUE),
      spot: 'allow',
      priority: 2,
      weight: 2,
    });
    expect(
      placement!.pools.map((pool) => [pool.name, pool.subscriptionId, pool.region, pool.resourceGroup]),
    ).toEqual([
      ['west', OTHER_SUBSCRIPTION, 'westus', 'rg-west'], // the configured pool of that region
      ['east', EMULATOR_SUBSCRIPTION_ID, 'eastus', 'rg-east'],
      // made on demand in the worker's subscription and default resource group
      ['northeurope', EMULATOR_SUBSCRIPTION_ID, 'northeurope', 'rg-default'],
    ]);
    expect(started).toEqual([ledgerWorkflowId(TASK_QUEUE)]);
  });

  it('without placement: the spec region, and its resource group over the pool', async () => {
    const { resolveCapacity } = activities();
    const placement = await run(() =>
      resolveCapacity({
        tenant: 'other',
        region: 'eastus',
        resourceGroup: 'rg-mine',
        cpu: 1,
        memoryGB: 1,
      }),
    );
    expect(placement!.pools).toEqual([expect.objectContaining({ name: 'east', resourceGroup: 'rg-mine' })]);
    expect(placement).toMatchObject({ spot: 'never', priority: 3, weight: 1 });
  });

  it('leaves out pools that can never serve the size, and refuses a job no pool can serve before anything is created', async () => {
    const { resolveCapacity, started } = activities();
    const placement = await run(() =>
      resolveCapacity({
        tenant: 'acme',
        placement: { pools: ['west', 'east'], spot: 'never' },
        cpu: 4,
        memoryGB: 4,
      }),
    );
    expect(placement!.pools.map((pool) => pool.name)).toEqual(['east']);
    // Spot lets the west pool serve 4 vCPU (its Spot cores), as Spot
    const spot = await run(() =>
      resolveCapacity({
        tenant: 'acme',
        placement: { pools: ['west'], spot: 'prefer' },
        cpu: 4,
        memoryGB: 4,
      }),
    );
    expect(spot!.pools.map((pool) => pool.name)).toEqual(['west']);

    const refused = await run(() =>
      resolveCapacity({
        tenant: 'acme',
        placement: { pools: ['west'], spot: 'never' },
        cpu: 4,
        memoryGB: 4,
      }),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: INVALID_PLACEMENT, nonRetryable: true });
    expect((refused as Error).message).toBe(
      'No pool of west can serve a group of 4 vCPU and 4 GB (west: at most 2 cores); ask for less, or place the job in a pool with more',
    );
    expect(started).toHaveLength(2); // the refused job started nothing
  });

  it('admission off: no placement (runs create at once)', async () => {
    const { resolveCapacity } = activities(capacityConfigSchema.parse({ admission: false }));
    expect(await run(() => resolveCapacity({ tenant: 'acme', cpu: 1, memoryGB: 1 }))).toBeNull();
  });
});

describe('describeCapacity and findAbandonedLeases', () => {
  it("reads each account's usage (ACI's Usages API) once, in the pool's own subscription", async () => {
    const { describeCapacity } = activities();
    const description = await run(() => describeCapacity({ pools: ['east', 'west'] }));
    expect(description.pools).toEqual([
      { name: 'east', accountKey: `${EMULATOR_SUBSCRIPTION_ID}/eastus`, spot: false },
      { name: 'west', accountKey: `${OTHER_SUBSCRIPTION}/westus`, spot: true },
    ]);
    expect(description.usages[`${OTHER_SUBSCRIPTION}/westus`]).toEqual(
      expect.arrayContaining([
        { name: 'groups', limit: 7, used: 0 },
        { name: 'cores', limit: 9, used: 0 },
      ]),
    );
    expect(description.accounts.map((account) => account.accountKey)).toEqual([
      `${EMULATOR_SUBSCRIPTION_ID}/eastus`,
      `${OTHER_SUBSCRIPTION}/westus`,
    ]);
  });

  it('a lease is abandoned only when its run is closed and its group is gone (read in the right subscription)', async () => {
    await clients
      .aciFor(OTHER_SUBSCRIPTION)
      .containerGroups.beginCreateOrUpdateAndWait('rg-west', 'still-here', {
        location: 'westus',
        osType: 'Linux',
        containers: [{ name: 'job', image: 'node:20', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      });
    const { findAbandonedLeases } = activities(CONFIG, ['closed-gone', 'closed-kept']);
    const abandoned = await run(() =>
      findAbandonedLeases({
        leases: [
          { runId: 'closed-gone', pool: 'west', groupName: 'never-made' },
          { runId: 'closed-kept', pool: 'west', groupName: 'still-here' },
          { runId: 'open', pool: 'west', groupName: 'never-made-either' },
        ],
      }),
    );
    expect(abandoned).toEqual(['closed-gone']);
    await clients.aciFor(OTHER_SUBSCRIPTION).containerGroups.beginDeleteAndWait('rg-west', 'still-here');
  });
});
