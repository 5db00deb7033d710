/** Shared helpers of the emulator tests: an SDK client on the emulator, group definitions, raw HTTPS calls. */
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
import {
  RestError,
  createHttpHeaders,
  createPipelineRequest,
  type HttpMethods,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { emulatorCredential } from '../../src/azure/client';
import type { Emulator } from '../../dev/emulator';
import { waitFor } from '../helpers/wait';

export const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000aa';
export const RG = 'rg-emulator';
/** poll interval for begin*AndWait: fast tests */
export const FAST = { updateIntervalInMs: 20 } as const;

export function sdkClient(
  emulator: Emulator,
  maxRetries = 3,
  subscription = SUBSCRIPTION,
): ContainerInstanceManagementClient {
  return new ContainerInstanceManagementClient(emulatorCredential, subscription, {
    ...emulator.clientOptions(),
    retryOptions: { maxRetries, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
  });
}

/** A one-container group running `node -e <script>` (image node:20), restart policy Never. */
export function nodeGroup(script: string, extra: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    location: 'eastus',
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        image: 'node:20',
        command: ['node', '-e', script],
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
      },
    ],
    ...extra,
  };
}

/** A container that keeps running until killed. */
export const RUN_FOREVER = 'setInterval(() => {}, 1000)';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** A raw HTTPS request to the emulator (to see exact status codes, headers and bodies). */
export function armRequest(
  emulator: Emulator,
  method: string,
  pathOrUrl: string,
  body?: unknown,
): Promise<RawResponse> {
  const url = new URL(pathOrUrl, emulator.endpoint);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: emulator.caPem,
        headers: {
          authorization: 'Bearer fake',
          ...(payload !== undefined && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function groupPath(name: string, rg = RG, subscription = SUBSCRIPTION): string {
  return `/subscriptions/${subscription}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The state snapshot of one group (throws when it does not exist). */
export function snapshotOf(emulator: Emulator, name: string) {
  const group = emulator.groups().find((g) => g.name === name);
  if (!group) throw new Error(`No group ${name} in the emulator`);
  return group;
}

/** The RestError (or other error) a promise rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
}

/** Polls an Azure-AsyncOperation URL until the operation ends; returns its final status. */
export function waitForOperation(emulator: Emulator, url: string): Promise<string> {
  return waitFor(`operation ${url}`, async () => {
    const { status } = (await armRequest(emulator, 'GET', url)).json as { status: string };
    return status === 'Pending' || status === 'Creating' ? undefined : status;
  });
}

// ---- ARM calls with an api-version the SDK does not speak, through the SDK client's own pipeline ----

export interface ArmResponse {
  status: number;
  /** lower-case header names */
  headers: Record<string, string>;
  /** the parsed JSON body (undefined when empty) */
  body: unknown;
}

/**
 * An ARM call with an explicit api-version through the SDK client's own pipeline: its credential (bearer
 * token), retry policy (429/503 Retry-After, 5xx back-off), TLS options and user agent, exactly as its
 * generated operations go; for what SDK 9.1.0 (api-version 2023-05-01) cannot express: container group
 * profiles and profile/standby-pool container group PUTs (2024-05-01-preview or later), standby pools
 * (Microsoft.StandbyPool, 2025-03-01). `endpoint` is the client's ARM base (https://management.azure.com, or
 * the emulator's). A non-2xx answer throws a RestError carrying the ARM error code, as the SDK's operations do.
 * Build the client without the `apiVersion` option: that option rewrites every request's api-version.
 */
export async function armCall(
  client: ContainerInstanceManagementClient,
  endpoint: string,
  method: HttpMethods,
  path: string,
  apiVersion: string,
  body?: unknown,
): Promise<ArmResponse> {
  const url = new URL(path, endpoint);
  url.searchParams.set('api-version', apiVersion);
  return send(client, method, url.toString(), body);
}

/** Polls an Azure-AsyncOperation URL (as given, api-version included) until the operation ends. */
export async function armWaitForOperation(
  client: ContainerInstanceManagementClient,
  operationUrl: string,
  intervalMs = 20,
): Promise<unknown> {
  for (;;) {
    const { body } = await send(client, 'GET', operationUrl);
    const { status = '', error } = (body ?? {}) as {
      status?: string;
      error?: { code?: string; message?: string };
    };
    if (/^succeeded$/i.test(status)) return body;
    if (/^(failed|canceled)$/i.test(status)) {
      // the SDK's (core-lro's) wording for a failed long-running operation
      throw new Error(
        `The long-running operation has failed. ${error?.code ?? status}. ${error?.message ?? ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Polls a Location URL (ARM's other LRO style, e.g. a standby pool DELETE) until it stops answering 202. */
export async function armWaitForLocation(
  client: ContainerInstanceManagementClient,
  locationUrl: string,
  intervalMs = 20,
): Promise<ArmResponse> {
  for (;;) {
    const response = await send(client, 'GET', locationUrl);
    if (response.status !== 202) return response;
    await sleep(intervalMs);
  }
}

/**
 * A long-running PUT as the SDK's `beginCreateOrUpdateAndWait` does it: PUT, poll the Azure-AsyncOperation
 * until it ends, then GET the resource (the result). `put` is the PUT's own answer (201/200, its body says
 * e.g. isCreatedFromStandbyPool).
 */
export async function armPutAndWait(
  client: ContainerInstanceManagementClient,
  endpoint: string,
  path: string,
  apiVersion: string,
  body: unknown,
  intervalMs = 20,
): Promise<{ put: ArmResponse; result: unknown }> {
  const put = await armCall(client, endpoint, 'PUT', path, apiVersion, body);
  const operationUrl = put.headers['azure-asyncoperation'];
  if (operationUrl !== undefined) await armWaitForOperation(client, operationUrl, intervalMs);
  const result = (await armCall(client, endpoint, 'GET', path, apiVersion)).body;
  return { put, result };
}

async function send(
  client: ContainerInstanceManagementClient,
  method: HttpMethods,
  url: string,
  body?: unknown,
): Promise<ArmResponse> {
  const request: PipelineRequest = createPipelineRequest({
    url,
    method,
    headers: createHttpHeaders({
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    }),
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  // ServiceClient.sendRequest: the client's pipeline (auth, retries, TLS) and HTTP client
  const response: PipelineResponse = await client.sendRequest(request);
  const text = response.bodyAsText ?? '';
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (response.status >= 400) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new RestError(error?.message ?? `${method} ${url}: HTTP ${response.status}`, {
      ...(error?.code !== undefined && { code: error.code }),
      statusCode: response.status,
      request,
      response,
    });
  }
  return { status: response.status, headers: response.headers.toJSON(), body: parsed };
}
