/**
 * The cluster's state file (<data folder>/state.json, mode 600): its ports, its secrets (made once, kept for
 * every later start), and the processes that run (pid and start time), so that `status`, `stop` and the tests
 * find them. The data folder is .data/cluster (git-ignored), or ACI_BATCH_CLUSTER_DIR.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../../src/config';
import { PROJECT_ROOT } from '../temporal-tools';
import type { ProcessRecord } from './processes';
import { DEFAULT_SERVER_PORTS, type ServerPorts } from './settings';

export const CLUSTER_DIR = resolve(
  process.env.ACI_BATCH_CLUSTER_DIR || join(PROJECT_ROOT, '.data', 'cluster'),
);

/** Every port is its usual one plus this offset, so that the cluster runs beside a dev server on 7233. */
export const DEFAULT_PORT_OFFSET = 20_000;

/** The cluster's tenant: the API's key for it is in the state file. */
export const CLUSTER_TENANT = 'cluster';
export const OTHER_TENANT = 'cluster-other';
export const CLUSTER_RESOURCE_GROUP = 'aci-batch-cluster';
export const WORKER_COUNT = 2;

export interface ClusterPorts {
  postgres: number;
  temporal: ServerPorts;
  /** the server's Prometheus endpoint */
  temporalMetrics: number;
  ui: number;
  api: number;
  emulator: number;
}

export type ProcessName = 'temporal' | 'ui' | 'emulator' | 'api' | `worker-${string}`;

export interface ClusterState {
  dataDir: string;
  ports: ClusterPorts;
  secrets: {
    /** of the `temporal` database superuser */
    dbPassword: string;
    /** the API's keys by tenant: CLUSTER_TENANT's, and another tenant's (isolation tests) */
    apiKeys: Record<string, string>;
    /** signs run tokens; the same on the workers and the API */
    callbackSecret: string;
  };
  namespace: string;
  taskQueue: string;
  processes: Partial<Record<ProcessName, ProcessRecord>>;
}

export function portsFor(offset: number): ClusterPorts {
  const shift = (ports: Readonly<ServerPorts>): ServerPorts =>
    Object.fromEntries(
      Object.entries(ports).map(([name, port]) => [name, port + offset]),
    ) as unknown as ServerPorts;
  return {
    postgres: 5432 + offset,
    temporal: shift(DEFAULT_SERVER_PORTS),
    temporalMetrics: 8000 + offset,
    ui: 8233 + offset,
    api: 8080 + offset,
    emulator: 8443 + offset,
  };
}

export const stateFile = (dataDir: string = CLUSTER_DIR) => join(dataDir, 'state.json');

export function readState(dataDir: string = CLUSTER_DIR): ClusterState | undefined {
  if (!existsSync(stateFile(dataDir))) return undefined;
  return JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as ClusterState;
}

/** The state, or a new one (fresh secrets; ports from ACI_BATCH_CLUSTER_PORT_OFFSET) written at once. */
export function loadOrCreateState(dataDir: string = CLUSTER_DIR): ClusterState {
  const existing = readState(dataDir);
  if (existing) return existing;
  const offset = Number(process.env.ACI_BATCH_CLUSTER_PORT_OFFSET || DEFAULT_PORT_OFFSET);
  if (!Number.isInteger(offset) || offset < 0 || offset > 50_000) {
    throw new Error(`ACI_BATCH_CLUSTER_PORT_OFFSET must be a whole number from 0 to 50000, not "${offset}"`);
  }
  const secret = (bytes: number) => randomBytes(bytes).toString('base64url');
  const state: ClusterState = {
    dataDir,
    ports: portsFor(offset),
    secrets: {
      dbPassword: secret(24),
      apiKeys: { [CLUSTER_TENANT]: secret(24), [OTHER_TENANT]: secret(24) },
      callbackSecret: secret(32),
    },
    namespace: DEFAULT_NAMESPACE,
    taskQueue: DEFAULT_TASK_QUEUE,
    processes: {},
  };
  writeState(state);
  return state;
}

export function writeState(state: ClusterState): void {
  mkdirSync(state.dataDir, { recursive: true });
  const file = stateFile(state.dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** Re-reads the file and applies a change to its processes (several processes may update it in turn). */
export function updateProcesses(
  dataDir: string,
  change: (processes: ClusterState['processes']) => void,
): ClusterState {
  const state = readState(dataDir);
  if (!state) throw new Error(`no cluster state in ${dataDir}: run npm run cluster start`);
  change(state.processes);
  writeState(state);
  return state;
}

export const temporalAddress = (state: ClusterState) =>
  `127.0.0.1:${state.ports.temporal.FRONTEND_GRPC_PORT}`;
export const apiUrl = (state: ClusterState) => `http://127.0.0.1:${state.ports.api}`;
export const emulatorEndpoint = (state: ClusterState) => `https://127.0.0.1:${state.ports.emulator}`;
export const uiUrl = (state: ClusterState) => `http://127.0.0.1:${state.ports.ui}`;
export const logsDir = (state: ClusterState) => join(state.dataDir, 'logs');
export const emulatorCaFile = (state: ClusterState) => join(state.dataDir, 'emulator', 'ca.pem');
export const workerNames = (): Array<`worker-${string}`> =>
  Array.from({ length: WORKER_COUNT }, (_, index) => `worker-${index + 1}` as const);
