/**
 * Accounts per subscription and region, through the real SDK over HTTPS: the Usages API, quotas and budgets
 * per account, Spot, capacity outages, ARM read throttling, and the time scale of the create/delete windows.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import type { ContainerGroup, Usage } from '@azure/arm-containerinstance';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { waitFor } from '../helpers/wait';
import {
  FAST,
  RG,
  RUN_FOREVER,
  SUBSCRIPTION,
  armRequest,
  groupPath,
  nodeGroup,
  rejectionOf,
  sdkClient,
} from './helpers';

const OTHER_SUBSCRIPTION = '00000000-0000-0000-0000-0000000000bb';

/** A group of `cpu` cores and `memoryInGB` in `location`, optionally Spot. */
function sized(
  location: string,
  cpu: number,
  options: { spot?: boolean; memoryInGB?: number; script?: string; extra?: Partial<ContainerGroup> } = {},
): ContainerGroup {
  const group = nodeGroup(options.script ?? RUN_FOREVER, {
    location,
    ...(options.spot && { priority: 'Spot' }),
    ...options.extra,
  });
  const container = group.containers[0];
  if (!container) throw new Error('no container');
  container.resources = { requests: { cpu, memoryInGB: options.memoryInGB ?? 1 } };
  return group;
}

async function usages(client: ReturnType<typeof sdkClient>, region: string): Promise<Record<string, Usage>> {
  const byName: Record<string, Usage> = {};
  for await (const usage of client.location.listUsage(region)) byName[usage.name?.value ?? '?'] = usage;
  return byName;
}

function current(all: Record<string, Usage>): Record<string, [number | undefined, number | undefined]> {
  return Object.fromEntries(
    Object.entries(all).map(([name, usage]) => [name, [usage.currentValue, usage.limit]]),
  );
}

function headerOf(error: Error, name: string): string | undefined {
  return (
    error as unknown as { response?: { headers: { get(name: string): string | undefined } } }
  ).response?.headers.get(name);
}

describe('ACI emulator: accounts per subscription and region', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  let other: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({
      quotas: { containerGroups: 5, cores: 6 },
      regions: { westeurope: { quotas: { cores: 3, spotCores: 2 } }, eastus: { spot: false } },
      accounts: [{ subscriptionId: OTHER_SUBSCRIPTION, region: 'eastus', quotas: { cores: 2 } }],
    });
    client = sdkClient(emulator);
    other = sdkClient(emulator, 3, OTHER_SUBSCRIPTION);
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.setOutage('eastus', false);
    emulator.setOutage('westeurope', false);
    for (const group of emulator.groups()) {
      const owner = group.subscriptionId === SUBSCRIPTION ? client : other;
      await owner.containerGroups.beginDeleteAndWait(group.resourceGroup, group.name);
    }
  });

  it('the Usages API through client.location.listUsage: names, units, limits of the account', async () => {
    const all = await usages(client, 'eastus');
    expect(Object.keys(all)).toEqual([
      'ContainerGroups',
      'StandardCores',
      'StandardSpotCores',
      'DedicatedContainerGroups',
    ]);
    expect(all.StandardCores).toEqual({
      unit: 'Count',
      currentValue: 0,
      limit: 6,
      name: { value: 'StandardCores', localizedValue: 'Standard Cores' },
    });
    expect(current(all)).toEqual({
      ContainerGroups: [0, 5],
      StandardCores: [0, 6],
      StandardSpotCores: [0, 10],
      DedicatedContainerGroups: [0, 0],
    });
    // the raw wire shape, and the request log
    const raw = await armRequest(
      emulator,
      'GET',
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerInstance/locations/West%20Europe/usages?api-version=2023-05-01`,
    );
    expect(raw.status).toBe(200);
    expect((raw.json as { value: unknown[] }).value[1]).toEqual({
      unit: 'Count',
      currentValue: 0,
      limit: 3,
      name: { value: 'StandardCores', localizedValue: 'Standard Cores' },
    });
    expect(emulator.requests.all({ operation: 'usages' }).at(-1)).toMatchObject({
      status: 200,
      subscriptionId: SUBSCRIPTION,
      region: 'westeurope',
    });
  });

  it('counts per subscription and region do not mix; stopped groups hold no cores', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'a-east-1', sized('eastus', 2), FAST);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'a-east-2', sized('eastus', 1.5), FAST);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'a-west', sized('westeurope', 1), FAST);
    await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b-east', sized('eastus', 1), FAST);

    expect(current(await usages(client, 'eastus'))).toMatchObject({
      ContainerGroups: [2, 5],
      StandardCores: [3.5, 6],
    });
    expect(current(await usages(client, 'westeurope'))).toMatchObject({
      ContainerGroups: [1, 5],
      StandardCores: [1, 3],
    });
    expect(current(await usages(other, 'eastus'))).toMatchObject({
      ContainerGroups: [1, 5],
      StandardCores: [1, 2],
    });
    expect(current(await usages(other, 'westeurope'))).toMatchObject({
      ContainerGroups: [0, 5],
      StandardCores: [0, 3],
    });

    await client.containerGroups.stop(RG, 'a-east-1');
    expect(current(await usages(client, 'eastus'))).toMatchObject({
      ContainerGroups: [2, 5],
      StandardCores: [1.5, 6],
    });
    expect(emulator.usage(SUBSCRIPTION, 'East US')).toEqual({ containerGroups: 2, cores: 1.5, spotCores: 0 });
  });

  it('quota errors per account, with the exact ACI message', async () => {
    // the other subscription has 2 cores in eastus (an account override); this one 6 (the default)
    await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b-1', sized('eastus', 2), FAST);
    const refused = await rejectionOf(
      other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b-2', sized('eastus', 1), FAST),
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.code).toBe('ContainerGroupQuotaReached');
    expect(refused.message).toBe(
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'eastus'. Limit: '2', Usage: '2' Requested: '1'.",
    );
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'a-1', sized('eastus', 4), FAST);

    // westeurope: 3 cores for every subscription (a region override)
    await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b-west', sized('westeurope', 3), FAST);
    const west = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'a-west', sized('westeurope', 4), FAST),
    );
    expect(west.message).toBe(
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'westeurope'. Limit: '3', Usage: '0' Requested: '4'.",
    );

    // quotas change at runtime, per account
    emulator.configureAccount('eastus', { quotas: { cores: 3 } }, OTHER_SUBSCRIPTION);
    await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b-2', sized('eastus', 1), FAST);
    expect(emulator.account(OTHER_SUBSCRIPTION, 'eastus').quotas).toEqual({
      containerGroups: 5,
      cores: 3,
      spotCores: 10,
    });
    expect(emulator.account(SUBSCRIPTION, 'eastus').quotas.cores).toBe(6);

    const logged = emulator.requests.all({ code: 'ContainerGroupQuotaReached' });
    expect(logged.map((entry) => [entry.group, entry.status, entry.region])).toEqual([
      ['b-2', 400, 'eastus'],
      ['a-west', 400, 'westeurope'],
    ]);
    expect(emulator.requests.limited().map((entry) => entry.group)).toEqual(['b-2', 'a-west']);
  });

  it('Spot: counts against StandardSpotCores, not StandardCores', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'spot-1',
      sized('westeurope', 2, { spot: true }),
      FAST,
    );
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'regular-1', sized('westeurope', 3), FAST);
    expect(current(await usages(client, 'westeurope'))).toMatchObject({
      ContainerGroups: [2, 5],
      StandardCores: [3, 3],
      StandardSpotCores: [2, 2],
    });
    const spotQuota = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'spot-2',
        sized('westeurope', 0.5, { spot: true }),
        FAST,
      ),
    );
    expect(spotQuota.statusCode).toBe(400);
    expect(spotQuota.code).toBe('ContainerGroupQuotaReached');
    expect(spotQuota.message).toBe(
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardSpotCores' exceeded in region 'westeurope'. Limit: '2', Usage: '2' Requested: '0.5'.",
    );
    const spot = await client.containerGroups.get(RG, 'spot-1');
    expect(spot.priority).toBe('Spot');
  });

  it('Spot refusals: a region without Spot, a public IP, more than 4 vCPU / 16 GB', async () => {
    const noSpot = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'spot-east',
        sized('eastus', 1, { spot: true }),
        FAST,
      ),
    );
    expect(noSpot.statusCode).toBe(400);
    expect(noSpot.code).toBe('SpotPriorityContainerGroupNotSupportedInRegion');
    expect(noSpot.message).toContain("in region 'eastus'");

    const publicIp = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'spot-public',
        sized('westeurope', 1, {
          spot: true,
          extra: { ipAddress: { type: 'Public', ports: [{ port: 8080 }] } },
        }),
        FAST,
      ),
    );
    expect(publicIp.statusCode).toBe(400);
    expect(publicIp.code).toBe('SpotPriorityContainerGroupNotSupportedForInboundConnectivity');
    // a private address is fine
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'spot-private',
      sized('westeurope', 1, {
        spot: true,
        extra: { ipAddress: { type: 'Private', ports: [{ port: 8080 }] } },
      }),
      FAST,
    );

    const bigCpu = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'spot-big',
        sized('westus', 5, { spot: true }),
        FAST,
      ),
    );
    expect(bigCpu.statusCode).toBe(400);
    expect(bigCpu.code).toBe('SpotPriorityContainerGroupResourceRequestsExceeded');
    expect(bigCpu.message).toBe(
      "The total resource requests of container group 'spot-big' ('5' CPU, '1' GB memory) exceed the limit for priority 'Spot': '4' CPU and '16' GB memory.",
    );
    const bigMemory = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'spot-big',
        sized('westus', 1, { spot: true, memoryInGB: 17 }),
        FAST,
      ),
    );
    expect(bigMemory.code).toBe('SpotPriorityContainerGroupResourceRequestsExceeded');
    // the same size as Regular is fine
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'regular-big', sized('westus', 5), FAST);

    // Spot can be switched on for a region at runtime
    expect(emulator.account(SUBSCRIPTION, 'eastus').spot).toBe(false);
    expect(emulator.account(SUBSCRIPTION, 'eastus2').spot).toBe(true);
    emulator.configureAccount('eastus', { spot: true }, SUBSCRIPTION);
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'spot-east',
      sized('eastus', 1, { spot: true }),
      FAST,
    );
    expect(emulator.usage(SUBSCRIPTION, 'eastus')).toMatchObject({ cores: 0, spotCores: 1 });
    emulator.configureAccount('eastus', { spot: false }, SUBSCRIPTION);
  });

  it('a capacity outage: creates get 409 ServiceUnavailable in that region, until it ends', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'before', sized('eastus', 1), FAST);
    emulator.setOutage('eastus', true);
    const refused = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'during',
        sized('eastus', 1, { memoryInGB: 1.5 }),
        FAST,
      ),
    );
    expect(refused.name).toBe('RestError');
    expect(refused.statusCode).toBe(409);
    expect(refused.code).toBe('ServiceUnavailable');
    expect(refused.message).toBe(
      "The requested resource is not available in the location 'eastus' at this moment. Please retry with a different resource request or in another location. Resource requested: '1' CPU '1.5' GB memory 'Linux' OS",
    );
    expect(emulator.groups().some((g) => g.name === 'during')).toBe(false);
    // every subscription in the region; other regions are fine; a no-op PUT of a running group too
    expect(
      (await rejectionOf(other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b', sized('eastus', 1), FAST)))
        .statusCode,
    ).toBe(409);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'elsewhere', sized('westeurope', 1), FAST);
    const again = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'before',
      sized('eastus', 1),
      FAST,
    );
    expect(again.provisioningState).toBe('Succeeded');

    emulator.setOutage('eastus', false);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'during', sized('eastus', 1), FAST);

    // a window that ends on its own, for one subscription only
    emulator.setOutage('eastus', { durationMs: 400 }, SUBSCRIPTION);
    const windowed = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'window', sized('eastus', 1), FAST),
    );
    expect(windowed.code).toBe('ServiceUnavailable');
    await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b', sized('eastus', 1), FAST);
    expect(emulator.account(SUBSCRIPTION, 'eastus').outage).toBeDefined();
    await waitFor('the outage to end', () => emulator.account(SUBSCRIPTION, 'eastus').outage === undefined);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'window', sized('eastus', 1), FAST);
    expect(emulator.requests.all({ code: 'ServiceUnavailable' }).map((r) => r.status)).toEqual([
      409, 409, 409,
    ]);
  });
});

describe('ACI emulator: account options', () => {
  it('an outage and per-account create budgets from the options', async () => {
    const emulator = await startEmulator({
      regions: { westus: { outage: true } },
      accounts: [{ subscriptionId: OTHER_SUBSCRIPTION, region: 'eastus', rateLimits: { createsPer5Min: 1 } }],
    });
    try {
      const client = sdkClient(emulator, 0);
      const other = sdkClient(emulator, 0, OTHER_SUBSCRIPTION);
      const outage = await rejectionOf(
        client.containerGroups.beginCreateOrUpdateAndWait(RG, 'w', sized('westus', 1), FAST),
      );
      expect(outage.statusCode).toBe(409);
      await other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b1', sized('eastus', 1), FAST);
      const throttled = await rejectionOf(
        other.containerGroups.beginCreateOrUpdateAndWait(RG, 'b2', sized('eastus', 1), FAST),
      );
      expect(throttled.statusCode).toBe(429);
      expect(throttled.code).toBe('ResourceRequestsThrottled');
      // the other account's budget is untouched
      for (const name of ['a1', 'a2', 'a3'])
        await client.containerGroups.beginCreateOrUpdateAndWait(RG, name, sized('eastus', 1), FAST);
      const [entry] = emulator.requests.all({ status: 429 });
      expect(entry).toMatchObject({
        method: 'PUT',
        group: 'b2',
        code: 'ResourceRequestsThrottled',
        subscriptionId: OTHER_SUBSCRIPTION,
        region: 'eastus',
      });
      expect(entry?.retryAfter).toBeGreaterThan(290);
    } finally {
      await emulator.close();
    }
  });

  it('reads ACI_EMULATOR_REGIONS, ACI_EMULATOR_READ_BUCKET and ACI_EMULATOR_TIME_SCALE; rejects bad values', async () => {
    const emulator = await startEmulator({
      env: {
        ACI_EMULATOR_REGIONS: JSON.stringify({ eastus: { quotas: { cores: 7 }, spot: true } }),
        ACI_EMULATOR_READ_BUCKET: JSON.stringify({ capacity: 2, refillPerSecond: 0.01 }),
        ACI_EMULATOR_TIME_SCALE: '0.5',
      },
    });
    try {
      expect(emulator.account(SUBSCRIPTION, 'eastus')).toMatchObject({ quotas: { cores: 7 }, spot: true });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await armRequest(emulator, 'GET', `${groupPath('x')}?api-version=2023-05-01`)).status);
      expect(statuses).toEqual([404, 404, 429]);
    } finally {
      await emulator.close();
    }
    await expect(startEmulator({ timeScale: 0 })).rejects.toThrow(/timeScale/);
    await expect(startEmulator({ env: { ACI_EMULATOR_TIME_SCALE: 'fast' } })).rejects.toThrow(
      /ACI_EMULATOR_TIME_SCALE/,
    );
    await expect(startEmulator({ readBucket: { capacity: 0 } })).rejects.toThrow(/readBucket/);
    await expect(startEmulator({ regions: { eastus: { quotas: { cores: -1 } } } })).rejects.toThrow();
  });
});

describe('ACI emulator: ARM read throttling', () => {
  it('by default a subscription reads 250 in a burst: the header counts down from 249', async () => {
    const emulator = await startEmulator();
    try {
      const first = await armRequest(emulator, 'GET', `${groupPath('x')}?api-version=2023-05-01`);
      expect(first.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
      const puts = await armRequest(emulator, 'PUT', `${groupPath('x')}?api-version=2023-05-01`, {
        properties: {},
      });
      expect(puts.headers['x-ms-ratelimit-remaining-subscription-reads']).toBeUndefined();
    } finally {
      await emulator.close();
    }
  });

  it('a burst over the bucket gets 429 with Retry-After; after the refill reads succeed again', async () => {
    const emulator = await startEmulator({ readBucket: false });
    try {
      const client = sdkClient(emulator);
      await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'watched', nodeGroup(RUN_FOREVER), FAST);
      // from here on: 10 reads in a burst, then one every 2 s (full buckets to begin with)
      emulator.setReadBucket({ capacity: 10, refillPerSecond: 0.5 });
      const url = `${groupPath('watched')}?api-version=2023-05-01`;
      const burst = await Promise.all(Array.from({ length: 14 }, () => armRequest(emulator, 'GET', url)));
      const statuses = burst.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
      const throttled = burst.filter((r) => r.status === 429);
      expect(throttled.length).toBeGreaterThanOrEqual(3);
      // the time until the next token: (1 - tokens left) / 0.5 per second, in whole seconds
      const retryAfter = throttled[0]?.headers['retry-after'];
      expect(['1', '2']).toContain(retryAfter);
      expect(throttled[0]?.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
      expect(throttled[0]?.json).toEqual({
        error: {
          code: 'SubscriptionRequestsThrottled',
          message: `Number of 'read' requests for subscription '${SUBSCRIPTION}' actor '00000000-0000-0000-0000-000000000000' exceeded. Please try again after '${String(retryAfter)}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
        },
      });
      // another subscription has its own bucket
      const elsewhere = await armRequest(
        emulator,
        'GET',
        `${groupPath('watched', RG, OTHER_SUBSCRIPTION)}?api-version=2023-05-01`,
      );
      expect(elsewhere.status).toBe(404);

      // without retries the SDK surfaces the 429; with them it waits Retry-After and succeeds
      const error = await rejectionOf(sdkClient(emulator, 0).containerGroups.get(RG, 'watched'));
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('SubscriptionRequestsThrottled');
      expect(['1', '2']).toContain(headerOf(error, 'retry-after'));
      const started = Date.now();
      const group = await client.containerGroups.get(RG, 'watched');
      expect(group.name).toBe('watched');
      expect(Date.now() - started).toBeLessThan(5_000);

      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const after = await armRequest(emulator, 'GET', url);
      expect(after.status).toBe(200);
      const logged = emulator.requests.all({ status: 429, operation: 'get' });
      expect(logged.length).toBeGreaterThanOrEqual(4);
      expect(logged[0]).toMatchObject({ code: 'SubscriptionRequestsThrottled' });
      expect([1, 2]).toContain(logged[0]?.retryAfter);

      // usages are reads too; `false` switches throttling off
      const usages = await armRequest(
        emulator,
        'GET',
        `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerInstance/locations/eastus/usages?api-version=2023-05-01`,
      );
      expect(usages.status).toBe(429);
      emulator.setReadBucket(false);
      const many = await Promise.all(Array.from({ length: 30 }, () => armRequest(emulator, 'GET', url)));
      expect(many.every((r) => r.status === 200)).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});

describe('ACI emulator: time scale of the create/delete windows', () => {
  it('timeScale 0.01, createsPer5Min 3: the 4th create gets 429 with a scaled Retry-After and succeeds ~3 s later', async () => {
    const emulator = await startEmulator({ timeScale: 0.01, rateLimits: { createsPer5Min: 3 } });
    try {
      const client = sdkClient(emulator, 0);
      const started = Date.now();
      for (const name of ['t1', 't2', 't3'])
        await client.containerGroups.beginCreateOrUpdateAndWait(RG, name, nodeGroup('0'), FAST);
      const error = await rejectionOf(
        client.containerGroups.beginCreateOrUpdateAndWait(RG, 't4', nodeGroup('0'), FAST),
      );
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('ResourceRequestsThrottled');
      const retryAfter = Number(headerOf(error, 'retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(3);
      expect(error.message).toBe(
        `Number of requests for action 'Microsoft.ContainerInstance/containerGroups/write' exceeded the limit of '3' for time interval '00:05:00'. Please try again after '${retryAfter}' seconds.`,
      );

      // the SDK with retries waits the Retry-After and gets through
      await sdkClient(emulator).containerGroups.beginCreateOrUpdateAndWait(RG, 't4', nodeGroup('0'), FAST);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(Date.now() - started).toBeLessThan(8_000);
      const puts = emulator.requests.all({ method: 'PUT', group: 't4' });
      expect(puts.map((r) => r.status)).toEqual([429, 429, 201]);
      expect((puts[2]?.time ?? 0) - (puts[1]?.time ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      await emulator.close();
    }
  });
});
