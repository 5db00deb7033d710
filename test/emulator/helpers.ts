/** Shared helpers of the emulator tests: an SDK client on the emulator, group definitions, raw HTTPS calls. */
import { request } from 'node:https';
import { ContainerInstanceManagementClient, type ContainerGroup } from '@azure/arm-containerinstance';
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
