/**
 * Fault injection, quotas and budgets, each reaching the real SDK as it would from Azure: retried
 * transparently, or surfacing as a RestError / a failed long-running operation.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { waitFor } from '../helpers/wait';
import { FAST, RG, RUN_FOREVER, armRequest, groupPath, nodeGroup, rejectionOf, sdkClient } from './helpers';

describe('ACI emulator: faults, quotas, budgets', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({ quotas: { containerGroups: 4, cores: 3 } });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.faults.clear();
    for (const group of emulator.groups())
      await client.containerGroups.beginDeleteAndWait(group.resourceGroup, group.name);
  });

  it('429 with Retry-After is retried by the SDK after that delay', async () => {
    emulator.faults.add({ kind: 'throttle', operation: 'create', group: 'throttled', retryAfterSeconds: 1 });
    const started = Date.now();
    const group = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'throttled',
      nodeGroup('0'),
      FAST,
    );
    expect(group.provisioningState).toBe('Succeeded');
    const puts = emulator.requests.all({ method: 'PUT', group: 'throttled' });
    expect(puts.map((r) => r.status)).toEqual([429, 201]);
    expect(puts[0]?.fault).toBe('throttle');
    expect((puts[1]?.time ?? 0) - (puts[0]?.time ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emulator.faults.pending()).toBe(0);
  });

  it('429 without Retry-After surfaces as RestError 429 (the SDK does not retry it)', async () => {
    emulator.faults.add({ kind: 'throttle', operation: 'get', group: 'hot' });
    const error = await rejectionOf(client.containerGroups.get(RG, 'hot'));
    expect(error.name).toBe('RestError');
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('SubscriptionRequestsThrottled');
    expect(emulator.requests.all({ group: 'hot' })).toHaveLength(1);
  });

  it('500 and 503 are retried by the SDK', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'flaky', nodeGroup(RUN_FOREVER), FAST);
    emulator.faults.add({ kind: 'serverError', operation: 'get', group: 'flaky', times: 2 });
    emulator.faults.add({ kind: 'serverError', operation: 'get', group: 'flaky', status: 503 });
    const group = await client.containerGroups.get(RG, 'flaky');
    expect(group.name).toBe('flaky');
    // (the first GET is the final read of the create operation)
    const statuses = emulator.requests.all({ operation: 'get', group: 'flaky' }).map((r) => r.status);
    expect(statuses.slice(1)).toEqual([500, 500, 503, 200]);
  });

  it('a 500 that outlasts the retries reaches the caller as InternalServerError', async () => {
    emulator.faults.add({ kind: 'serverError', operation: 'stop', times: 'always' });
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'broken-stop', nodeGroup(RUN_FOREVER), FAST);
    const error = await rejectionOf(sdkClient(emulator, 1).containerGroups.stop(RG, 'broken-stop'));
    expect(error.statusCode).toBe(500);
    expect(error.code).toBe('InternalServerError');
    expect(error.message).toMatch(/^Encountered an internal server error\. The tracking activity id is '/);
  });

  it('transitioning fault: 409 ContainerGroupTransitioning on the chosen operation', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'jammed', nodeGroup(RUN_FOREVER), FAST);
    emulator.faults.add({ kind: 'transitioning', operation: 'restart', group: 'jammed' });
    const error = await rejectionOf(client.containerGroups.beginRestartAndWait(RG, 'jammed', FAST));
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('ContainerGroupTransitioning');
    await client.containerGroups.beginRestartAndWait(RG, 'jammed', FAST);
  });

  it('slow provisioning: the operation is Pending, then Creating, then Succeeded', async () => {
    emulator.faults.add({ kind: 'slowProvisioning', group: 'slow', pendingMs: 250, creatingMs: 250 });
    const put = await armRequest(emulator, 'PUT', `${groupPath('slow')}?api-version=2023-05-01`, {
      location: 'eastus',
      properties: {
        osType: 'Linux',
        containers: [
          {
            name: 'main',
            properties: {
              image: 'node:20',
              command: ['node', '-e', RUN_FOREVER],
              resources: { requests: { cpu: 1, memoryInGB: 1 } },
            },
          },
        ],
      },
    });
    const opUrl = String(put.headers['azure-asyncoperation']);
    const seen: string[] = [];
    // often enough to see each 250 ms phase
    await waitFor(
      'the operation to end',
      async () => {
        const { status } = (await armRequest(emulator, 'GET', opUrl)).json as { status: string };
        if (seen.at(-1) !== status) seen.push(status);
        return status === 'Succeeded' || status === 'Failed';
      },
      { intervalMs: 20 },
    );
    expect(seen).toEqual(['Pending', 'Creating', 'Succeeded']);
    expect(emulator.faults.tally()).toMatchObject({ 'slowProvisioning:create': 1 });
  });

  it('operation Failed with InaccessibleImage: the SDK throws the long-running-operation error', async () => {
    emulator.faults.add({ kind: 'operationFailed', code: 'InaccessibleImage', group: 'bad-pull' });
    const error = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'bad-pull', nodeGroup('0'), FAST),
    );
    expect(error.name).not.toBe('RestError');
    expect(error.message).toBe(
      "The long-running operation has failed. InaccessibleImage. The image 'node:20' in container group 'bad-pull' is not accessible. Please check the image and registry credential.",
    );
    const group = await client.containerGroups.get(RG, 'bad-pull');
    expect(group.provisioningState).toBe('Failed');
  });

  it('operation Failed with ServiceUnavailable (capacity), on create and on restart', async () => {
    emulator.faults.add({ kind: 'operationFailed', code: 'ServiceUnavailable', group: 'no-capacity' });
    const error = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'no-capacity', nodeGroup('0'), FAST),
    );
    expect(error.message).toBe(
      "The long-running operation has failed. ServiceUnavailable. The requested resource is not available in the location 'eastus' at this moment. Please retry with a different resource request or in another location. Resource requested: '1' CPU '1.5' GB memory 'Linux' OS",
    );
    const opUrl =
      emulator.requests.all({ operation: 'operationStatus', group: 'no-capacity' })[0]?.path ?? '';
    const op = (await armRequest(emulator, 'GET', opUrl)).json as {
      status: string;
      error: { code: string };
      properties: { events: Array<{ name: string; type: string }> };
    };
    expect(op.status).toBe('Failed');
    expect(op.error.code).toBe('ServiceUnavailable');
    expect(op.properties.events[0]).toMatchObject({ name: 'InsufficientCapacity.', type: 'Warning' });

    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'restart-fails',
      nodeGroup(RUN_FOREVER),
      FAST,
    );
    emulator.faults.add({ kind: 'operationFailed', operation: 'restart', code: 'ServiceUnavailable' });
    const restartError = await rejectionOf(
      client.containerGroups.beginRestartAndWait(RG, 'restart-fails', FAST),
    );
    expect(restartError.message).toMatch(/^The long-running operation has failed\. ServiceUnavailable\. /);
  });

  it('quota: ContainerGroupQuotaReached (400) for cores and for the group count, and by injection', async () => {
    const twoCores = nodeGroup(RUN_FOREVER);
    const container = twoCores.containers[0];
    if (!container) throw new Error('no container');
    container.resources = { requests: { cpu: 2, memoryInGB: 1 } };
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'big', twoCores, FAST);
    const cores = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'big-2', twoCores, FAST),
    );
    expect(cores.statusCode).toBe(400);
    expect(cores.code).toBe('ContainerGroupQuotaReached');
    expect(cores.message).toBe(
      "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'eastus'. Limit: '3', Usage: '2' Requested: '2'.",
    );
    // a stopped group holds no cores
    await client.containerGroups.stop(RG, 'big');
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'big-2', twoCores, FAST);

    const small = nodeGroup('0');
    const smallContainer = small.containers[0];
    if (!smallContainer) throw new Error('no container');
    smallContainer.resources = { requests: { cpu: 0.5, memoryInGB: 0.5 } };
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'small-1', small, FAST);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'small-2', small, FAST);
    const count = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'small-3', small, FAST),
    );
    expect(count.code).toBe('ContainerGroupQuotaReached');
    expect(count.message).toContain(
      "quota 'ContainerGroups' exceeded in region 'eastus'. Limit: '4', Usage: '4'",
    );
    // another region has its own quota
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'small-west',
      { ...small, location: 'westeurope' },
      FAST,
    );

    for (const name of ['small-1', 'small-2', 'big'])
      await client.containerGroups.beginDeleteAndWait(RG, name);
    emulator.faults.add({ kind: 'quotaReached', group: 'forced' });
    const forced = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'forced', small, FAST),
    );
    expect(forced.statusCode).toBe(400);
    expect(forced.code).toBe('ContainerGroupQuotaReached');
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'forced', small, FAST);
  });

  it('faults can target one group, fire N times or always, with a probability, and are tallied', async () => {
    const before = emulator.faults.tally()['serverError:logs'] ?? 0;
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'target', nodeGroup(RUN_FOREVER), FAST);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'bystander', nodeGroup(RUN_FOREVER), FAST);
    emulator.faults.add({ kind: 'serverError', operation: 'logs', group: 'target', times: 'always' });
    emulator.faults.add({ kind: 'serverError', operation: 'get', probability: 0 });
    await expect(client.containerGroups.get(RG, 'bystander')).resolves.toBeDefined();
    await expect(client.containers.listLogs(RG, 'bystander', 'main')).resolves.toBeDefined();
    const error = await rejectionOf(sdkClient(emulator, 2).containers.listLogs(RG, 'target', 'main'));
    expect(error.statusCode).toBe(500);
    expect(emulator.faults.tally()['serverError:logs']).toBe(before + 3);
    expect(emulator.faults.pending()).toBe(2);
    expect(emulator.faults.injected().at(-1)).toMatchObject({
      kind: 'serverError',
      operation: 'logs',
      group: 'target',
    });
  });

  it('rejects malformed fault rules', () => {
    expect(() => emulator.faults.add({ kind: 'throttle' } as never)).toThrow();
    expect(() =>
      emulator.faults.add({ kind: 'serverError', operation: 'get', status: 502 } as never),
    ).toThrow();
  });
});

describe('ACI emulator: configuration', () => {
  it('takes fault rules and a latency profile from the environment', async () => {
    const emulator = await startEmulator({
      env: {
        ACI_EMULATOR_FAULTS: JSON.stringify([{ kind: 'throttle', operation: 'list', times: 1 }]),
        ACI_EMULATOR_LATENCY: JSON.stringify({ provisioningMs: 200 }),
      },
    });
    try {
      const client = sdkClient(emulator);
      const error = await rejectionOf(client.containerGroups.list().next());
      expect(error.statusCode).toBe(429);
      const started = Date.now();
      await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'latency', nodeGroup('0'), FAST);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await emulator.close();
    }
  });

  it('rejects a malformed ACI_EMULATOR_FAULTS', async () => {
    await expect(startEmulator({ env: { ACI_EMULATOR_FAULTS: '[{"kind":"nope"}]' } })).rejects.toThrow(
      /ACI_EMULATOR_FAULTS/,
    );
  });

  it('ACI create and delete budgets: counters in headers, 429 ResourceRequestsThrottled when exhausted', async () => {
    const emulator = await startEmulator({ rateLimits: { createsPer5Min: 2, deletesPer5Min: 1 } });
    try {
      const client = sdkClient(emulator, 0);
      await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'b1', nodeGroup('0'), FAST);
      await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'b2', nodeGroup('0'), FAST);
      const error = await rejectionOf(
        client.containerGroups.beginCreateOrUpdateAndWait(RG, 'b3', nodeGroup('0'), FAST),
      );
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('ResourceRequestsThrottled');
      const response = (
        error as unknown as { response: { headers: { get(name: string): string | undefined } } }
      ).response;
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(290);
      expect(response.headers.get('x-ms-ratelimit-remaining-subscription-resource-requests-pt5m')).toBe('0');
      expect(response.headers.get('x-ms-ratelimit-remaining-subscription-resource-requests-pt1h')).toBe(
        '298',
      );

      const deleted = await armRequest(emulator, 'DELETE', `${groupPath('b1')}?api-version=2023-05-01`);
      expect(deleted.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m']).toBe('0');
      const refused = await armRequest(emulator, 'DELETE', `${groupPath('b2')}?api-version=2023-05-01`);
      expect(refused.status).toBe(429);
      expect((refused.json as { error: { message: string } }).error.message).toMatch(
        /^Number of requests for action 'Microsoft.ContainerInstance\/containerGroups\/delete' exceeded the limit of '1' for time interval '00:05:00'\. Please try again after '\d+' seconds\.$/,
      );
    } finally {
      await emulator.close();
    }
  });
});
