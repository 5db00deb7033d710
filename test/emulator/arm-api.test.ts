/**
 * The ARM surface: status codes, headers and bodies as real ACI returns them, through the real SDK and
 * through raw HTTPS where the SDK hides the wire.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, type Emulator } from '../../dev/emulator';
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
  waitForOperation,
} from './helpers';
import { arrayContaining, objectContaining, stringMatching } from '../helpers/matchers';

const OP_URL =
  /^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/[^/]+\/providers\/Microsoft\.ContainerInstance\/locations\/eastus\/operations\/([0-9a-f-]{36})\?api-version=2018-06-01$/;

describe('ACI emulator: ARM API', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ pageSize: 2, missingResourceGroups: ['rg-gone'] });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('serves HTTPS with a CA the SDK accepts through tlsOptions.ca', async () => {
    expect(emulator.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.caPem).toContain('BEGIN CERTIFICATE');
    const error = await rejectionOf(sdkClient(emulator).containerGroups.get(RG, 'nothing-here'));
    expect(error.name).toBe('RestError');
    expect(error.statusCode).toBe(404);
  });

  it('PUT of a new group: 201, Pending body, Azure-AsyncOperation, request id and rate-limit headers', async () => {
    const body = {
      location: 'eastus',
      tags: { job: 'j1' },
      properties: {
        osType: 'Linux',
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c1',
            properties: {
              image: 'node:20',
              command: ['node', '-e', RUN_FOREVER],
              environmentVariables: [
                { name: 'PLAIN', value: 'v' },
                { name: 'SECRET', secureValue: 's3cret' },
              ],
              resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
            },
          },
        ],
        imageRegistryCredentials: [{ server: 'acr.example.io', username: 'u', password: 'p' }],
      },
    };
    const res = await armRequest(emulator, 'PUT', `${groupPath('put-new')}?api-version=2023-05-01`, body);
    expect(res.status).toBe(201);
    const opUrl = String(res.headers['azure-asyncoperation']);
    const opId = OP_URL.exec(opUrl)?.[1];
    expect(opId).toBeDefined();
    expect(res.headers['x-ms-request-id']).toBe(`eastus:${opId}`);
    expect(res.headers['x-ms-correlation-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt1h']).toBe('299');
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m']).toBe('99');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual({
      properties: {
        sku: 'Standard',
        provisioningState: 'Pending',
        containers: [
          {
            name: 'c1',
            properties: {
              image: 'node:20',
              command: ['node', '-e', RUN_FOREVER],
              ports: [],
              environmentVariables: [{ name: 'PLAIN', value: 'v' }, { name: 'SECRET' }],
              resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
            },
          },
        ],
        initContainers: [],
        restartPolicy: 'Never',
        osType: 'Linux',
        imageRegistryCredentials: [{ server: 'acr.example.io', username: 'u' }],
        instanceView: { events: [], state: 'Pending' },
      },
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/put-new`,
      name: 'put-new',
      type: 'Microsoft.ContainerInstance/containerGroups',
      location: 'eastus',
      tags: { job: 'j1' },
    });
    expect(res.text).not.toContain('s3cret');

    expect(await waitForOperation(emulator, opUrl)).toBe('Succeeded');
    const op = await armRequest(emulator, 'GET', opUrl);
    expect(op.status).toBe(200);
    expect(op.json).toMatchObject({
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/put-new`,
      status: 'Succeeded',
      properties: {
        events: arrayContaining([objectContaining({ name: 'Started', count: 1 })]),
      },
    });
    expect((op.json as { startTime: string }).startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    const event = (op.json as { properties: { events: Array<Record<string, unknown>> } }).properties
      .events[0];
    expect(event).toEqual({
      count: 1,
      firstTimestamp: stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      lastTimestamp: stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      name: 'Pulling',
      message: 'Pulling image "node:20"',
      type: 'Normal',
    });
  });

  it('PUT of an existing group: 200 with a new operation; the rate-limit counters go down', async () => {
    const client = sdkClient(emulator);
    const definition = nodeGroup(RUN_FOREVER);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'put-again', definition, FAST);
    const res = await armRequest(
      emulator,
      'PUT',
      `${groupPath('put-again')}?api-version=2023-05-01`,
      (await armRequest(emulator, 'GET', `${groupPath('put-again')}?api-version=2023-05-01`)).json,
    );
    expect(res.status).toBe(200);
    expect(String(res.headers['azure-asyncoperation'])).toMatch(OP_URL);
    const remaining = Number(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m']);
    expect(remaining).toBeLessThan(98);
  });

  it('GET returns the full group with instanceViews; the SDK reads it', async () => {
    const client = sdkClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'get-full',
      nodeGroup(RUN_FOREVER, {
        ipAddress: { type: 'Public', ports: [{ port: 8080 }], dnsNameLabel: 'get-full-label' },
      }),
      FAST,
    );
    const group = await client.containerGroups.get(RG, 'get-full');
    expect(group.provisioningState).toBe('Succeeded');
    expect(group.instanceView?.state).toBe('Running');
    expect(group.ipAddress).toMatchObject({
      type: 'Public',
      ports: [{ protocol: 'TCP', port: 8080 }],
      fqdn: 'get-full-label.eastus.azurecontainer.io',
    });
    expect(group.ipAddress?.ip).toMatch(/^127\.0\.\d+\.\d+$/);
    const view = group.containers[0]?.instanceView;
    expect(view?.restartCount).toBe(0);
    expect(view?.currentState?.state).toBe('Running');
    expect(view?.currentState?.startTime).toBeInstanceOf(Date);
    expect(view?.events?.map((e) => e.name)).toEqual(['Pulling', 'Pulled', 'Created', 'Started']);
  });

  it('groups without an ipAddress in the spec have none in the response', async () => {
    const client = sdkClient(emulator);
    const group = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'no-ip',
      nodeGroup(RUN_FOREVER),
      FAST,
    );
    expect(group.ipAddress).toBeUndefined();
  });

  it('GET of a missing group: 404 ResourceNotFound with the real message, as a RestError', async () => {
    const error = await rejectionOf(sdkClient(emulator).containerGroups.get(RG, 'missing-group'));
    expect(error.name).toBe('RestError');
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('ResourceNotFound');
    expect(error.message).toBe(
      `The Resource 'Microsoft.ContainerInstance/containerGroups/missing-group' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
    expect(error.details).toEqual({ error: { code: 'ResourceNotFound', message: error.message } });
  });

  it('a configured missing resource group: 404 ResourceGroupNotFound on every route in it', async () => {
    const client = sdkClient(emulator);
    const errors = await Promise.all([
      rejectionOf(client.containerGroups.get('rg-gone', 'x')),
      rejectionOf(client.containerGroups.beginCreateOrUpdate('rg-gone', 'x', nodeGroup('0'))),
      rejectionOf(client.containerGroups.listByResourceGroup('RG-GONE').next()),
    ]);
    for (const error of errors) {
      expect(error.statusCode).toBe(404);
      expect(error.code).toBe('ResourceGroupNotFound');
    }
    expect(errors[0]?.message).toBe("Resource group 'rg-gone' could not be found.");
  });

  it('the resourceGroups segment (and the rest of the path) is case-insensitive', async () => {
    await sdkClient(emulator).containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'case-test',
      nodeGroup('0'),
      FAST,
    );
    const path = `/SUBSCRIPTIONS/${SUBSCRIPTION}/resourcegroups/${RG.toUpperCase()}/providers/microsoft.containerinstance/CONTAINERGROUPS/case-test?api-version=2023-05-01`;
    const res = await armRequest(emulator, 'GET', path);
    expect(res.status).toBe(200);
    expect((res.json as { name: string }).name).toBe('case-test');
  });

  it('accepts any api-version but requires one', async () => {
    await sdkClient(emulator).containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'versions',
      nodeGroup('0'),
      FAST,
    );
    expect(
      (await armRequest(emulator, 'GET', `${groupPath('versions')}?api-version=2018-10-01`)).status,
    ).toBe(200);
    const missing = await armRequest(emulator, 'GET', groupPath('versions'));
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({
      error: {
        code: 'MissingApiVersionParameter',
        message: 'The api-version query parameter (?api-version=) is required for all requests.',
      },
    });
  });

  it('rejects invalid definitions with ARM codes', async () => {
    const url = `${groupPath('invalid')}?api-version=2023-05-01`;
    const noOs = await armRequest(emulator, 'PUT', url, {
      location: 'eastus',
      properties: {
        containers: [
          { name: 'c', properties: { image: 'node:20', resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
      },
    });
    expect(noOs.status).toBe(400);
    expect((noOs.json as { error: { code: string } }).error.code).toBe('InvalidOsType');
    const noResources = await armRequest(emulator, 'PUT', url, {
      location: 'eastus',
      properties: { osType: 'Linux', containers: [{ name: 'c9', properties: { image: 'node:20' } }] },
    });
    expect(noResources.json).toEqual({
      error: {
        code: 'ResourceRequestsNotSpecified',
        message:
          "The resource requests are not specified in container 'c9' of contain group 'invalid'. Both memory and CPU requests are required since API version '2017-07-01-preview'.",
      },
    });
    const noLocation = await armRequest(emulator, 'PUT', url, { properties: {} });
    expect((noLocation.json as { error: { code: string } }).error.code).toBe('LocationRequired');
  });

  it('lists by resource group and by subscription, pages with an absolute nextLink, without instanceView', async () => {
    const client = sdkClient(emulator);
    const rg = 'rg-list';
    for (const name of ['list-a', 'list-b', 'list-c']) {
      await client.containerGroups.beginCreateOrUpdateAndWait(rg, name, nodeGroup(RUN_FOREVER), FAST);
    }
    const first = await armRequest(
      emulator,
      'GET',
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
    );
    const page = first.json as {
      value: Array<{ name: string; properties: Record<string, unknown> }>;
      nextLink: string;
    };
    expect(page.value.map((g) => g.name)).toEqual(['list-a', 'list-b']);
    expect(page.nextLink).toMatch(
      new RegExp(
        `^${emulator.endpoint}/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups\\?api-version=2023-05-01&\\$skipToken=`,
      ),
    );
    for (const item of page.value) {
      expect(item.properties.instanceView).toBeUndefined();
      expect(item.properties.provisioningState).toBe('Succeeded');
      const containers = item.properties.containers as Array<{ properties: Record<string, unknown> }>;
      expect(containers[0]?.properties.instanceView).toBeUndefined();
    }
    const second = await armRequest(emulator, 'GET', page.nextLink);
    expect(
      (second.json as { value: Array<{ name: string }>; nextLink?: string }).value.map((g) => g.name),
    ).toEqual(['list-c']);
    expect((second.json as { nextLink?: string }).nextLink).toBeUndefined();

    const names: string[] = [];
    for await (const group of client.containerGroups.listByResourceGroup(rg)) names.push(group.name ?? '');
    expect(names).toEqual(['list-a', 'list-b', 'list-c']);
    const pages: number[] = [];
    for await (const p of client.containerGroups.listByResourceGroup(rg).byPage()) pages.push(p.length);
    expect(pages).toEqual([2, 1]);

    const all: string[] = [];
    for await (const group of client.containerGroups.list()) all.push(group.name ?? '');
    expect(all).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'get-full']));
    const listCalls = emulator.requests.all({ operation: 'list' });
    expect(listCalls.some((entry) => entry.path.includes('$skipToken='))).toBe(true);

    const empty = await armRequest(
      emulator,
      'GET',
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-empty/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
    );
    expect(empty.json).toEqual({ value: [] });
  });

  it('DELETE: 200 with the last body and rate-limit headers, then 204 when missing (SDK resolves both)', async () => {
    const client = sdkClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'to-delete', nodeGroup(RUN_FOREVER), FAST);
    const res = await armRequest(emulator, 'DELETE', `${groupPath('to-delete')}?api-version=2023-05-01`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'to-delete',
      properties: { provisioningState: 'Succeeded', instanceView: { state: 'Running' } },
    });
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt1h']).toBe('299');
    expect(res.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m']).toBe('99');
    const again = await armRequest(emulator, 'DELETE', `${groupPath('to-delete')}?api-version=2023-05-01`);
    expect(again.status).toBe(204);
    expect(again.text).toBe('');
    await expect(client.containerGroups.beginDeleteAndWait(RG, 'to-delete')).resolves.toBeDefined();
    const error = await rejectionOf(client.containerGroups.get(RG, 'to-delete'));
    expect(error.statusCode).toBe(404);
  });

  it('start on a running group: 204 without an operation; stop: 204; restart: 204 with Azure-AsyncOperation', async () => {
    const client = sdkClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'post-shapes', nodeGroup(RUN_FOREVER), FAST);
    const start = await armRequest(
      emulator,
      'POST',
      `${groupPath('post-shapes')}/start?api-version=2023-05-01`,
    );
    expect(start.status).toBe(204);
    expect(start.headers['azure-asyncoperation']).toBeUndefined();
    const restart = await armRequest(
      emulator,
      'POST',
      `${groupPath('post-shapes')}/restart?api-version=2023-05-01`,
    );
    expect(restart.status).toBe(204);
    const restartOp = String(restart.headers['azure-asyncoperation']);
    expect(restartOp).toMatch(OP_URL);
    expect(await waitForOperation(emulator, restartOp)).toBe('Succeeded');
    const stop = await armRequest(
      emulator,
      'POST',
      `${groupPath('post-shapes')}/stop?api-version=2023-05-01`,
    );
    expect(stop.status).toBe(204);
    const startAgain = await armRequest(
      emulator,
      'POST',
      `${groupPath('post-shapes')}/start?api-version=2023-05-01`,
    );
    expect(startAgain.status).toBe(202);
    expect(String(startAgain.headers['azure-asyncoperation'])).toMatch(OP_URL);
  });

  it('the async operation URL of an unknown operation is a 404', async () => {
    const res = await armRequest(
      emulator,
      'GET',
      `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.ContainerInstance/locations/eastus/operations/00000000-0000-0000-0000-000000000000?api-version=2018-06-01`,
    );
    expect(res.status).toBe(404);
  });

  it("every response carries x-ms-request-id <region>:<uuid> and ARM's no-cache headers", async () => {
    await sdkClient(emulator).containerGroups.beginCreateOrUpdateAndWait(RG, 'headers', nodeGroup('0'), FAST);
    const res = await armRequest(emulator, 'GET', `${groupPath('headers')}?api-version=2023-05-01`);
    expect(res.headers['x-ms-request-id']).toMatch(/^eastus:[0-9a-f-]{36}$/);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('records every request with a high-resolution arrival time', async () => {
    const before = performance.timeOrigin + performance.now();
    await rejectionOf(sdkClient(emulator).containerGroups.get(RG, 'logged-missing'));
    const entries = emulator.requests.all({ group: 'logged-missing' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      method: 'GET',
      status: 404,
      operation: 'get',
      group: 'logged-missing',
    });
    expect(entries[0]?.path).toContain('/containerGroups/logged-missing?api-version=2023-05-01');
    expect(entries[0]?.time).toBeGreaterThanOrEqual(before);
    expect(Number.isInteger(entries[0]?.time)).toBe(false);
  });
});
