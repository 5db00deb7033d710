/**
 * Everything a job needs except the Temporal server, in one process: the ACI emulator (unless real Azure is
 * configured), Azurite for the log archive and outputs (unless a storage account is configured), the real
 * activities and worker, and the HTTP API for container callbacks. `npm start` runs the
 * demo job on it, and the end-to-end tests run jobs on exactly the same assembly.
 */
import { randomBytes } from 'node:crypto';
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { apiConnectionOptions, buildApiServer } from '../src/api/server';
import {
  createAciClient,
  createAciClientsFromConfig,
  EMULATOR_SUBSCRIPTION_ID,
  emulatorCredential,
  type AzureConfig,
} from '../src/azure/client';
import { JobClient } from '../src/client';
import { RunTokens } from '../src/security/run-tokens';
import type { JobSettings } from '../src/shared/job-settings';
import { startEmulator, type Emulator, type EmulatorOptions } from './emulator';
import { ApiKeys } from '../src/security/api-keys';
import {
  dataConverterOf,
  loadPayloadEncryption,
  type PayloadEncryption,
} from '../src/security/data-converter';
import { createWorker, createWorkerActivities } from '../src/worker';
import { capacityConfigSchema, type CapacityConfig } from '../src/capacity/config';
import { loadStorageConfig, type StorageConfig } from '../src/storage/config';
import { RunStorage } from '../src/storage/run-storage';
import { startAzurite, type Azurite } from './azurite';

export interface LocalStackOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** real Azure; when absent the in-process emulator stands in for ACI */
  azure?: AzureConfig;
  emulator?: EmulatorOptions;
  /** how containers report back: the HTTP callback API (default) or a direct Temporal signal */
  reporting?: 'callback' | 'signal';
  /** secret of the run tokens; default: random */
  callbackSecret?: string;
  /** tenant API keys of the HTTP API; default: one random key for tenant "demo" */
  apiKeys?: Record<string, string[]>;
  /** a prebuilt workflow bundle (tests); default: bundle at start */
  workflowBundle?: { codePath: string };
  /** resource group for groups whose spec names none */
  resourceGroup?: string;
  pollIntervalMs?: number;
  /** payload encryption and the codec endpoint; default from the environment (ACI_BATCH_PAYLOAD_KEYS, ...) */
  payloadEncryption?: PayloadEncryption;
  /** capacity pools and tenant policies; default: admission on, ACI's documented limits per region */
  capacity?: CapacityConfig;
  /**
   * where logs and outputs go: this account, or `false` for none; default: the account of the environment
   * (ACI_BATCH_STORAGE_*) if configured, else an Azurite started here (in memory, stopped with the stack)
   */
  storage?: StorageConfig | false;
}

export interface LocalStack {
  client: Client;
  /** the job client the API uses: its settings say how this stack's containers report back */
  jobs: JobClient;
  /** those settings (the callback base URL is known once the API listens) */
  jobSettings: JobSettings;
  taskQueue: string;
  apiUrl: string;
  apiKeys: Record<string, string[]>;
  emulator?: Emulator;
  /** the runs' log archive and outputs (absent with `storage: false`) */
  storage?: RunStorage;
  /** the Azurite this stack started, if it did */
  azurite?: Azurite;
  worker: Worker;
  /** stops the API, the worker, Azurite and the emulator (which kills its container processes) */
  stop(): Promise<void>;
  /** kills the processes it started (Azurite, the emulator's containers) at once, for a forced exit that cannot wait for stop() */
  kill(): void;
}

/**
 * Admission on, with ten group slots: a local stack holds few groups at once, and with ARM's read budget
 * (25/s, half of it for monitors) ten slots keep the monitors' polling floor under a second.
 */
export const LOCAL_CAPACITY = capacityConfigSchema.parse({ defaults: { limits: { groups: 10 } } });

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  let azurite: Azurite | undefined;
  try {
    const emulator = options.azure ? undefined : await startEmulator(options.emulator);
    if (emulator) stops.push(() => emulator.close());
    let storageConfig = options.storage === undefined ? loadStorageConfig() : options.storage || undefined;
    if (options.storage === undefined && !storageConfig) {
      azurite = await startAzurite();
      const started = azurite;
      stops.push(() => started.stop());
      storageConfig = azurite.storageConfig();
    }
    const storage = storageConfig && new RunStorage(storageConfig);
    // a client per subscription: pools may name several (the emulator keeps an account per subscription too)
    const clients = options.azure
      ? createAciClientsFromConfig(options.azure)
      : emulatorClients(emulator!.endpoint, emulator!.caPem);

    const encryption = options.payloadEncryption ?? loadPayloadEncryption();
    const dataConverter = dataConverterOf(encryption);
    const connection = await Connection.connect(apiConnectionOptions(options.temporalAddress));
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: options.namespace, dataConverter });

    const callbackSecret = options.callbackSecret ?? randomBytes(32).toString('base64url');
    const apiKeys = options.apiKeys ?? { demo: [randomBytes(24).toString('base64url')] };
    // filled in once the API listens: the job client reads the settings when a job is submitted
    const jobSettings: JobSettings = {};
    const jobs = new JobClient(client, { taskQueue: options.taskQueue, settings: jobSettings });
    const api = await buildApiServer({
      jobs,
      apiKeys: new ApiKeys(apiKeys),
      callbackSecret,
      codecEndpoint: encryption?.codecEndpoint,
      storage,
    });
    stops.push(() => api.close());
    const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
    if ((options.reporting ?? 'callback') === 'callback') jobSettings.callbackBaseUrl = `${apiUrl}/v1`;
    else jobSettings.temporal = { address: options.temporalAddress, namespace: options.namespace };

    const nativeConnection = await NativeConnection.connect({ address: options.temporalAddress });
    stops.push(() => nativeConnection.close());
    const aciDeps = {
      ...clients,
      defaultResourceGroup: options.resourceGroup ?? options.azure?.defaultResourceGroup ?? 'aci-batch-local',
      pollIntervalMs: options.pollIntervalMs ?? options.azure?.pollIntervalMs ?? 200,
    };
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      activities: createWorkerActivities({
        ...aciDeps,
        client,
        runTokens: new RunTokens(callbackSecret),
        capacity: options.capacity ?? LOCAL_CAPACITY,
        subscriptionId: options.azure?.subscriptionId ?? EMULATOR_SUBSCRIPTION_ID,
        taskQueue: options.taskQueue,
        storage,
      }),
      dataConverter,
      workflowBundle: options.workflowBundle,
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    return {
      client,
      jobs,
      jobSettings,
      taskQueue: options.taskQueue,
      apiUrl,
      apiKeys,
      emulator,
      storage,
      azurite,
      worker,
      stop,
      kill: () => {
        emulator?.killProcesses();
        azurite?.kill();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Clients of the emulator: the default subscription's, and any other's on first use. */
export function emulatorClients(
  endpoint: string,
  caPem: string,
): {
  aci: ContainerInstanceManagementClient;
  aciFor: (subscriptionId: string) => ContainerInstanceManagementClient;
} {
  const clients = new Map<string, ContainerInstanceManagementClient>();
  const aciFor = (subscriptionId: string) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = createAciClient({ subscriptionId, credential: emulatorCredential, endpoint, caPem });
      clients.set(subscriptionId, client);
    }
    return client;
  };
  return { aci: aciFor(EMULATOR_SUBSCRIPTION_ID), aciFor };
}
