/**
 * Container group profiles and standby pools over HTTPS, through the SDK client's own pipeline with the newer
 * api-versions (2024-05-01-preview for profiles and profile-based container groups, 2025-03-01 for pools):
 * revisions, the pool filling up, a warm start (fast, isCreatedFromStandbyPool, config map files in the
 * already-running container), refills, an empty pool (fresh create, or the reuse-failure error), quotas,
 * the request log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { PROFILES_API_VERSION, startEmulator, type Emulator } from '../../dev/emulator';
import { waitFor } from '../helpers/wait';
import {
  FAST,
  RG,
  SUBSCRIPTION,
  armCall,
  armPutAndWait,
  armWaitForLocation,
  armWaitForOperation,
  groupPath,
  isAlive,
  nodeGroup,
  rejectionOf,
  sdkClient,
  snapshotOf,
} from './helpers';

const POOL_API = '2025-03-01';
const PROVISIONING_MS = 1_500;
const REFILL_MS = 800;
const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/runner`;

/** Prints its profile env var, then every new value of its config map key RUN_ID (read from the files). */
const WATCH_CONFIG_MAP = [
  "const fs = require('fs');",
  "const file = require('path').join(process.env.ACI_EMULATOR_CONFIGMAP_DIR, 'main', 'RUN_ID');",
  "console.log('started profile=' + process.env.PROFILE_ENV);",
  'let last;',
  'setInterval(() => {',
  '  let value;',
  "  try { value = fs.readFileSync(file, 'utf8'); } catch { return; }",
  "  if (value !== last) { last = value; console.log('run=' + value); }",
  '}, 20);',
].join('\n');

const profilePath = (name: string, rg = RG) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroupProfiles/${name}`;
const poolPath = (name: string, rg = RG) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.StandbyPool/standbyContainerGroupPools/${name}`;

/** A profile body: one container `main` (node:20) running `script`, with a plain env var. */
function profileBody(location: string, script = WATCH_CONFIG_MAP, env = 'from-profile') {
  const { containers, ...group } = nodeGroup(script, { location });
  const container = containers[0];
  if (!container) throw new Error('no container');
  return {
    location,
    properties: {
      ...group,
      containers: [
        {
          name: container.name,
          properties: {
            image: container.image,
            command: container.command,
            environmentVariables: [{ name: 'PROFILE_ENV', value: env }],
            resources: container.resources,
          },
        },
      ],
    },
  };
}

function poolBody(location: string, profile: string, maxReadyCapacity: number, revision = 1) {
  return {
    location,
    properties: {
      elasticityProfile: { maxReadyCapacity, refillPolicy: 'always' },
      containerGroupProperties: { containerGroupProfile: { id: profilePath(profile), revision } },
    },
  };
}

/** The body of a warm-start PUT: profile + pool references, a per-run config map, a managed identity. */
function warmStartBody(
  location: string,
  profile: string,
  pool: string,
  runId: string,
  failContainerGroupCreateOnReuseFailure?: boolean,
) {
  return {
    location,
    identity: { type: 'UserAssigned', userAssignedIdentities: { [IDENTITY]: {} } },
    properties: {
      containerGroupProfile: { id: profilePath(profile), revision: 1 },
      standbyPoolProfile: {
        id: poolPath(pool),
        ...(failContainerGroupCreateOnReuseFailure !== undefined && {
          failContainerGroupCreateOnReuseFailure,
        }),
      },
      containers: [{ name: 'main', properties: { configMap: { keyValuePairs: { RUN_ID: runId } } } }],
    },
  };
}

interface GroupBody {
  properties: {
    isCreatedFromStandbyPool?: boolean;
    provisioningState: string;
    containerGroupProfile?: { id: string; revision: number };
    standbyPoolProfile?: unknown;
    containers: Array<{ name: string; properties: { image: string; configMap?: unknown } }>;
    instanceView?: { state: string };
  };
  identity?: { type: string; userAssignedIdentities?: Record<string, { principalId?: string }> };
}

describe('ACI emulator: container group profiles and standby pools', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({
      killGraceMs: 200,
      standbyRefillMs: REFILL_MS,
      latency: { provisioningMs: PROVISIONING_MS, startMs: 40, deleteMs: 0 },
      regions: { northeurope: { quotas: { containerGroups: 3 } } },
    });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  const call = (method: 'GET' | 'PUT' | 'DELETE', path: string, apiVersion: string, body?: unknown) =>
    armCall(client, emulator.endpoint, method, path, apiVersion, body);
  const runningInPool = async (pool: string) => {
    const view = (await call('GET', `${poolPath(pool)}/runtimeViews/latest`, POOL_API)).body as {
      properties: {
        instanceCountSummary: Array<{ instanceCountsByState: Array<{ state: string; count: number }> }>;
      };
    };
    const counts = view.properties.instanceCountSummary[0]?.instanceCountsByState ?? [];
    return Object.fromEntries(counts.map(({ state, count }) => [state, count]));
  };
  const usage = async (region: string) => {
    const byName = new Map<string, number | undefined>();
    for await (const u of client.location.listUsage(region)) byName.set(u.name?.value ?? '', u.currentValue);
    return byName;
  };

  it('profiles: PUT 201 revision 1, the same again 200 revision 1, a change 200 revision 2; revisions readable', async () => {
    const created = await call('PUT', profilePath('revisions'), PROFILES_API_VERSION, profileBody('eastus'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: profilePath('revisions'),
      name: 'revisions',
      type: 'Microsoft.ContainerInstance/containerGroupProfiles',
      location: 'eastus',
      properties: {
        revision: 1,
        osType: 'Linux',
        sku: 'Standard',
        containers: [{ name: 'main', properties: { image: 'node:20' } }],
      },
    });
    const same = await call('PUT', profilePath('revisions'), PROFILES_API_VERSION, profileBody('eastus'));
    expect([same.status, (same.body as { properties: { revision: number } }).properties.revision]).toEqual([
      200, 1,
    ]);
    const changed = await call(
      'PUT',
      profilePath('revisions'),
      PROFILES_API_VERSION,
      profileBody('eastus', WATCH_CONFIG_MAP, 'v2'),
    );
    expect([
      changed.status,
      (changed.body as { properties: { revision: number } }).properties.revision,
    ]).toEqual([200, 2]);
    const revisions = (await call('GET', `${profilePath('revisions')}/revisions`, '2025-09-01')).body as {
      value: Array<{ properties: { revision: number } }>;
    };
    expect(revisions.value.map((r) => r.properties.revision)).toEqual([1, 2]);
    const first = (await call('GET', `${profilePath('revisions')}/revisions/1`, '2025-09-01')).body;
    expect(first).toMatchObject({
      properties: {
        revision: 1,
        containers: [
          { properties: { environmentVariables: [{ name: 'PROFILE_ENV', value: 'from-profile' }] } },
        ],
      },
    });
    const listed = (
      await call(
        'GET',
        `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroupProfiles`,
        PROFILES_API_VERSION,
      )
    ).body as { value: unknown[] };
    expect(listed.value).toHaveLength(1);
    expect((await call('DELETE', profilePath('revisions'), PROFILES_API_VERSION)).status).toBe(200);
    expect((await call('DELETE', profilePath('revisions'), PROFILES_API_VERSION)).status).toBe(204);
    const missing = await rejectionOf(call('GET', profilePath('revisions'), PROFILES_API_VERSION));
    expect([missing.statusCode, missing.code]).toEqual([404, 'ResourceNotFound']);
  });

  it('a pool: PUT 201 + Azure-AsyncOperation, fills up to maxReadyCapacity; warm groups count against the quota but are not listed', async () => {
    await call('PUT', profilePath('worker'), PROFILES_API_VERSION, profileBody('eastus'));
    const created = await call('PUT', poolPath('pool-a'), POOL_API, poolBody('East US', 'worker', 2));
    expect(created.status).toBe(201);
    const operationUrl = created.headers['azure-asyncoperation'];
    expect(operationUrl).toMatch(
      /\/providers\/Microsoft\.StandbyPool\/locations\/eastus\/operationStatuses\//,
    );
    expect(await armWaitForOperation(client, operationUrl ?? '')).toMatchObject({ status: 'Succeeded' });
    expect((await call('GET', poolPath('pool-a'), POOL_API)).body).toEqual({
      properties: {
        elasticityProfile: { maxReadyCapacity: 2, refillPolicy: 'always' },
        containerGroupProperties: { containerGroupProfile: { id: profilePath('worker'), revision: 1 } },
        provisioningState: 'Succeeded',
      },
      location: 'East US',
      id: poolPath('pool-a'),
      name: 'pool-a',
      type: 'Microsoft.StandbyPool/standbyContainerGroupPools',
    });

    await waitFor('pool-a to be ready', async () => (await runningInPool('pool-a')).running === 2);
    const [pool] = emulator.standbyPools();
    expect(pool?.ready).toHaveLength(2);
    for (const group of pool?.ready ?? []) expect(isAlive(group.pids[0] ?? 0)).toBe(true);
    expect((await usage('eastus')).get('ContainerGroups')).toBe(2);
    expect((await usage('eastus')).get('StandardCores')).toBe(2);
    const listed = [];
    for await (const group of client.containerGroups.listByResourceGroup(RG)) listed.push(group.name);
    expect(listed).toEqual([]);
  });

  it('a warm start: fast, isCreatedFromStandbyPool true, the config map reaches the running container as a file; the pool refills', async () => {
    const readyBefore = emulator.standbyPools()[0]?.ready.map((g) => g.pids[0]) ?? [];
    const started = Date.now();
    const { put, result } = await armPutAndWait(
      client,
      emulator.endpoint,
      groupPath('warm-1'),
      PROFILES_API_VERSION,
      warmStartBody('eastus', 'worker', 'pool-a', 'run-1'),
    );
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(PROVISIONING_MS);
    expect(put.status).toBe(201);
    expect(put.headers['azure-asyncoperation']).toBeDefined();
    expect((put.body as GroupBody).properties.isCreatedFromStandbyPool).toBe(true);
    const group = result as GroupBody;
    expect(group.properties).toMatchObject({
      isCreatedFromStandbyPool: true,
      provisioningState: 'Succeeded',
      containerGroupProfile: { id: profilePath('worker'), revision: 1 },
      containers: [
        { name: 'main', properties: { image: 'node:20', configMap: { keyValuePairs: { RUN_ID: 'run-1' } } } },
      ],
      instanceView: { state: 'Running' },
    });
    expect(group.properties.standbyPoolProfile).toBeUndefined();
    expect(group.identity?.userAssignedIdentities?.[IDENTITY]?.principalId).toEqual(expect.any(String));
    // the pool refills: one warm group being made right away, ready again after the refill time
    expect(await runningInPool('pool-a')).toEqual({ creating: 1, running: 1, deleting: 0 });

    // the process started in the pool (before the take) keeps running and reads the config map file
    const pid = snapshotOf(emulator, 'warm-1').containers[0]?.pid;
    expect(readyBefore).toContain(pid);
    const log = await waitFor('the config map in the log', async () => {
      const { content } = await client.containers.listLogs(RG, 'warm-1', 'main');
      return content?.includes('run=run-1') && content;
    });
    expect(log).toMatch(/^started profile=from-profile\nrun=run-1\n/);
    // the SDK (2023-05-01) reads the same group
    const viaSdk = await client.containerGroups.get(RG, 'warm-1');
    expect(viaSdk.instanceView?.state).toBe('Running');
    expect(snapshotOf(emulator, 'warm-1').createdFromStandbyPool).toBe(true);

    await waitFor('pool-a to refill', async () => (await runningInPool('pool-a')).running === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REFILL_MS);
    expect((await usage('eastus')).get('ContainerGroups')).toBe(3);

    // a config-map-only PUT updates the file in place: same process, no restart
    await armPutAndWait(
      client,
      emulator.endpoint,
      groupPath('warm-1'),
      PROFILES_API_VERSION,
      warmStartBody('eastus', 'worker', 'pool-a', 'run-2'),
    );
    await waitFor('the new value in the log', async () =>
      (await client.containers.listLogs(RG, 'warm-1', 'main')).content?.includes('run=run-2'),
    );
    expect(snapshotOf(emulator, 'warm-1').containers[0]).toMatchObject({ pid, restartCount: 0 });
  });

  it('the request log shows the warm-start PUT: api-version, profile and pool references, config map keys (no values)', () => {
    const [entry] = emulator.requests.all({ method: 'PUT', group: 'warm-1' });
    expect(entry).toMatchObject({
      operation: 'create',
      status: 201,
      apiVersion: PROFILES_API_VERSION,
      isCreatedFromStandbyPool: true,
      body: {
        keys: ['identity', 'location', 'properties'],
        propertyKeys: ['containerGroupProfile', 'containers', 'standbyPoolProfile'],
        containerGroupProfile: { id: profilePath('worker'), revision: 1 },
        standbyPoolProfile: { id: poolPath('pool-a') },
        configMapKeys: { main: ['RUN_ID'] },
        identity: { type: 'UserAssigned', userAssignedIdentities: [IDENTITY] },
      },
    });
    expect(JSON.stringify(entry)).not.toContain('run-1');
    expect(emulator.requests.all({ apiVersion: POOL_API, method: 'PUT' }).map((e) => e.operation)).toEqual([
      'createStandbyPool',
    ]);
    // an SDK 9.1.0 call is logged with its own api-version
    expect(emulator.requests.all({ operation: 'get', group: 'warm-1' }).map((e) => e.apiVersion)).toContain(
      '2023-05-01',
    );
  });

  it('an empty pool: a fresh create (isCreatedFromStandbyPool false, full provisioning), or 400 when the PUT asks to fail', async () => {
    await call('PUT', poolPath('pool-empty'), POOL_API, poolBody('eastus', 'worker', 0));
    const failed = await rejectionOf(
      call(
        'PUT',
        groupPath('warm-fail'),
        PROFILES_API_VERSION,
        warmStartBody('eastus', 'worker', 'pool-empty', 'x', true),
      ),
    );
    expect([failed.statusCode, failed.code]).toEqual([400, 'StandyPoolReservationFailed']);
    expect(failed.message).toMatch(/InsufficientContainerGroups/);
    expect(emulator.groups().some((g) => g.name === 'warm-fail')).toBe(false);

    const started = Date.now();
    const { put, result } = await armPutAndWait(
      client,
      emulator.endpoint,
      groupPath('cold-1'),
      PROFILES_API_VERSION,
      warmStartBody('eastus', 'worker', 'pool-empty', 'cold'),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(PROVISIONING_MS);
    expect((put.body as GroupBody).properties.isCreatedFromStandbyPool).toBe(false);
    expect((result as GroupBody).properties).toMatchObject({
      isCreatedFromStandbyPool: false,
      containerGroupProfile: { id: profilePath('worker'), revision: 1 },
      instanceView: { state: 'Running' },
    });
    await waitFor('the config map in the fresh group', async () =>
      (await client.containers.listLogs(RG, 'cold-1', 'main')).content?.includes('run=cold'),
    );
    expect(emulator.requests.all({ method: 'PUT', group: 'cold-1' })[0]?.isCreatedFromStandbyPool).toBe(
      false,
    );
  });

  it('a profile-based PUT allows only config maps besides the references; an older api-version ignores them', async () => {
    const body = warmStartBody('eastus', 'worker', 'pool-a', 'x');
    const extra = await rejectionOf(
      call('PUT', groupPath('bad-1'), PROFILES_API_VERSION, {
        ...body,
        properties: { ...body.properties, osType: 'Linux' },
      }),
    );
    expect([extra.statusCode, extra.code, extra.message]).toEqual([
      400,
      'BadRequest',
      'ContainerGroup properties other than config map are not allowed',
    ]);
    const old = await rejectionOf(call('PUT', groupPath('bad-2'), '2023-05-01', body));
    // read as a 2023-05-01 group: no image, no resources, no osType
    expect([old.statusCode, old.code]).toEqual([400, 'InvalidRequestContent']);
    expect(old.message).toMatch(/image/);
    const noProfile = await rejectionOf(
      call(
        'PUT',
        groupPath('bad-3'),
        PROFILES_API_VERSION,
        warmStartBody('eastus', 'no-such-profile', 'pool-a', 'x'),
      ),
    );
    expect([noProfile.statusCode, noProfile.code]).toEqual([404, 'ResourceNotFound']);
    // nothing was taken from the pool
    await waitFor('pool-a full', async () => (await runningInPool('pool-a')).running === 2);
  });

  it('quotas: warm groups count; a refill the quota refuses waits, and the runtime view says degraded', async () => {
    // northeurope: ContainerGroups quota 3
    await call('PUT', profilePath('ne'), PROFILES_API_VERSION, profileBody('northeurope'));
    await call('PUT', poolPath('pool-ne'), POOL_API, poolBody('northeurope', 'ne', 2));
    await waitFor('pool-ne ready', async () => (await runningInPool('pool-ne')).running === 2);
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'ne-regular',
      nodeGroup('setInterval(() => {}, 1000)', { location: 'northeurope' }),
      FAST,
    );
    const refused = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'ne-regular-2',
        nodeGroup('0', { location: 'northeurope' }),
        FAST,
      ),
    );
    expect([refused.statusCode, refused.code]).toEqual([400, 'ContainerGroupQuotaReached']);

    // taking a warm group needs no new quota; the refill then has none
    const { put } = await armPutAndWait(
      client,
      emulator.endpoint,
      groupPath('ne-warm'),
      PROFILES_API_VERSION,
      { ...warmStartBody('northeurope', 'ne', 'pool-ne', 'ne'), identity: undefined },
    );
    expect((put.body as GroupBody).properties.isCreatedFromStandbyPool).toBe(true);
    const view = await waitFor('pool-ne degraded', async () => {
      const body = (await call('GET', `${poolPath('pool-ne')}/runtimeViews/latest`, POOL_API)).body as {
        properties: { status: { code: string; message: string } };
      };
      return body.properties.status.code === 'HealthState/degraded' && body;
    });
    expect(view.properties.status.message).toMatch(/quota 'ContainerGroups' exceeded/);
    expect(await runningInPool('pool-ne')).toEqual({ creating: 0, running: 1, deleting: 0 });

    // room again: the pool refills
    await client.containerGroups.beginDeleteAndWait(RG, 'ne-regular');
    await waitFor('pool-ne refilled', async () => (await runningInPool('pool-ne')).running === 2, {
      timeoutMs: 5_000,
    });
  });

  it('deleting a pool: 202 + Location, polled to 204; its warm groups are gone, groups taken from it stay', async () => {
    const pids =
      emulator
        .standbyPools()
        .find((p) => p.name === 'pool-a')
        ?.ready.map((g) => g.pids[0] ?? 0) ?? [];
    expect(pids).toHaveLength(2);
    const deleted = await call('DELETE', poolPath('pool-a'), POOL_API);
    expect(deleted.status).toBe(202);
    const done = await armWaitForLocation(client, deleted.headers.location ?? '');
    expect(done.status).toBe(204);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const missing = await rejectionOf(call('GET', poolPath('pool-a'), POOL_API));
    expect([missing.statusCode, missing.code]).toEqual([404, 'ResourceNotFound']);
    expect((await call('DELETE', poolPath('pool-a'), POOL_API)).status).toBe(204);
    expect(snapshotOf(emulator, 'warm-1').state).toBe('Running');

    // deleting the taken group removes its config map folder
    const dir = snapshotOf(emulator, 'warm-1').configMapDir;
    expect(readFileSync(join(dir, 'main', 'RUN_ID'), 'utf8')).toBe('run-2');
    await client.containerGroups.beginDeleteAndWait(RG, 'warm-1');
    expect(existsSync(dir)).toBe(false);
  });
});
