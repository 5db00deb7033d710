/**
 * The production-shaped stack on loopback (`npm run cluster start|status|stop`), every part a process of its
 * own, each started only when it does not run yet (a second `start` reuses what is there):
 *
 *   PostgreSQL        Debian's server, a database cluster in <data>/postgres, as the `postgres` user
 *   temporal-server   the production server (all services in one process), PostgreSQL persistence and SQL
 *                     visibility, the project's dynamic config, built from the Go module proxy (tools.ts)
 *   Web UI            temporal-ui-server, built the same way (optional: skipped with a note if it cannot be)
 *   ACI emulator      scripts/emulator.ts (there is no Azure here)
 *   HTTP API          src/api/main.ts
 *   workers × 2       src/worker.ts
 *
 * Logs go to <data>/logs/*.log; the ports, secrets and pids to <data>/state.json (state.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { ensureNamespaceAndSearchAttributes, isTemporalReachable } from '../temporal-server';
import { PROJECT_ROOT } from '../temporal-tools';
import {
  ensurePostgres,
  findPostgres,
  initCluster,
  isPostgresRunning,
  isReady,
  makeReachable,
  postgresPid,
  postgresRunAs,
  startPostgres,
  stopPostgres,
  type PostgresInstance,
} from './postgres';
import {
  isRunning,
  kill,
  ownLog,
  spawnDetached,
  stop,
  tail,
  type ProcessRecord,
  type SpawnOptions,
} from './processes';
import { DB_USER, DYNAMIC_CONFIG_FILE, schemaSetupSteps, serverEnv } from './settings';
import {
  apiUrl,
  CLUSTER_DIR,
  CLUSTER_RESOURCE_GROUP,
  CLUSTER_TENANT,
  emulatorCaFile,
  emulatorEndpoint,
  loadOrCreateState,
  logsDir,
  readState,
  temporalAddress,
  uiUrl,
  updateProcesses,
  workerNames,
  writeState,
  type ClusterState,
  type ProcessName,
} from './state';
import { ensureToolSet, findToolSet, SERVER_TOOLS, UI_TOOLS, type Log } from './tools';

export const consoleLog: Log = (message) => process.stderr.write(`[cluster] ${message}\n`);

/** How long a worker may finish its tasks after SIGTERM (its shutdownGraceTime is 30 s). */
const WORKER_GRACE_MS = 35_000;

export interface InstallResult {
  serverDir: string;
  uiDir?: string;
  uiProblem?: string;
  postgres: { bindir: string; major: number };
}

/** PostgreSQL, the server, temporal-sql-tool and the UI server: found, or installed/built. */
export async function installCluster(log: Log = consoleLog): Promise<InstallResult> {
  const postgres = ensurePostgres(log);
  const serverDir = await ensureToolSet(SERVER_TOOLS, log);
  try {
    const uiDir = await ensureToolSet(UI_TOOLS, log);
    return { serverDir, uiDir, postgres };
  } catch (error) {
    const uiProblem = (error as Error).message.split('\n')[0];
    log(`the Web UI server could not be built (${uiProblem}); the cluster runs without it`);
    return { serverDir, uiProblem, postgres };
  }
}

export function postgresInstance(state: ClusterState): PostgresInstance {
  const binaries = findPostgres();
  if (!binaries) throw new Error('PostgreSQL is not installed: run npm run cluster start (or install)');
  return {
    binaries,
    dataDir: join(state.dataDir, 'postgres'),
    logFile: join(logsDir(state), 'postgres.log'),
    port: state.ports.postgres,
    password: state.secrets.dbPassword,
    runAs: postgresRunAs(),
  };
}

/** Starts whatever of the cluster does not run yet, and waits until every part answers. */
export async function startCluster(log: Log = consoleLog): Promise<ClusterState> {
  const started = Date.now();
  const installed = await installCluster(log);
  let state = loadOrCreateState(CLUSTER_DIR);
  mkdirSync(logsDir(state), { recursive: true });
  await checkPortsFree(state);

  // PostgreSQL, and the schema of both databases
  const pg = postgresInstance(state);
  makeReachable(pg.dataDir, pg.runAs, log);
  initCluster(pg, log);
  await startPostgres(pg, log);
  setUpSchema(state, installed.serverDir, log);

  state = await startTemporal(state, installed.serverDir, log);
  if (installed.uiDir) state = await startUi(state, installed.uiDir, log);
  state = await startEmulatorProcess(state, log);
  state = await startApi(state, log);
  const workers = workerNames().filter((name) => !isRunning(state.processes[name]));
  for (const name of workers) state = launchWorker(state, name, {}, log);
  await Promise.all(workers.map((name) => waitForWorker(state, name)));

  log(`cluster ready in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const line of describeCluster(readState(state.dataDir)!)) log(line);
  return readState(state.dataDir)!;
}

/** Stops every process (workers first, PostgreSQL last) and checks that none is left. */
export async function stopCluster(log: Log = consoleLog): Promise<void> {
  const state = readState(CLUSTER_DIR);
  if (!state) {
    log(`no cluster in ${CLUSTER_DIR}`);
    return;
  }
  const order: ProcessName[] = [
    ...(Object.keys(state.processes).filter((name) => name.startsWith('worker-')) as ProcessName[]),
    'api',
    'emulator',
    'ui',
    'temporal',
  ];
  // the workers together (each may take its grace time), then the rest in order
  const stopOne = async (name: ProcessName) => {
    const record = state.processes[name];
    if (!isRunning(record)) return;
    log(`stopping ${name} (pid ${record.pid})`);
    await stop(record, name.startsWith('worker-') ? WORKER_GRACE_MS : 15_000);
  };
  await Promise.all(order.filter((name) => name.startsWith('worker-')).map(stopOne));
  for (const name of order.filter((name) => !name.startsWith('worker-'))) await stopOne(name);
  if (findPostgres()) {
    const pg = postgresInstance(state);
    if (isPostgresRunning(pg)) {
      log(`stopping PostgreSQL (pid ${postgresPid(pg)})`);
      stopPostgres(pg, 'fast');
    }
  }
  const left = Object.entries(state.processes).filter(([, record]) => isRunning(record));
  updateProcesses(state.dataDir, (processes) => {
    for (const name of Object.keys(processes)) delete processes[name as ProcessName];
  });
  if (left.length > 0 || (findPostgres() && isPostgresRunning(postgresInstance(state)))) {
    throw new Error(
      `processes left after stop: ${left.map(([name, record]) => `${name} (${record?.pid})`).join(', ')}`,
    );
  }
  log('cluster stopped; no process left (data kept in ' + state.dataDir + ')');
}

export interface ComponentStatus {
  name: string;
  running: boolean;
  pid?: number;
  address?: string;
  log?: string;
}

export async function clusterStatus(): Promise<ComponentStatus[]> {
  const state = readState(CLUSTER_DIR);
  if (!state) return [];
  const rows: ComponentStatus[] = [];
  if (findPostgres()) {
    const pg = postgresInstance(state);
    rows.push({
      name: 'postgres',
      running: isPostgresRunning(pg) && isReady(pg),
      pid: postgresPid(pg),
      address: `127.0.0.1:${state.ports.postgres}`,
      log: pg.logFile,
    });
  }
  const addresses: Partial<Record<ProcessName, string>> = {
    temporal: temporalAddress(state),
    ui: uiUrl(state),
    emulator: emulatorEndpoint(state),
    api: apiUrl(state),
  };
  for (const [name, record] of Object.entries(state.processes) as Array<[ProcessName, ProcessRecord]>) {
    rows.push({
      name,
      running: isRunning(record),
      pid: record.pid,
      address: addresses[name],
      log: record.logFile,
    });
  }
  const temporalRow = rows.find((row) => row.name === 'temporal');
  if (temporalRow?.running) temporalRow.running = await isTemporalReachable(temporalAddress(state));
  return rows;
}

/** True when every part runs (the tests' global setup then uses the cluster as it is). */
export async function isClusterUp(): Promise<boolean> {
  const state = readState(CLUSTER_DIR);
  if (!state) return false;
  const rows = await clusterStatus();
  const required = ['postgres', 'temporal', 'emulator', 'api', ...workerNames()];
  return required.every((name) => rows.some((row) => row.name === name && row.running));
}

/** True when any part of the cluster runs (PostgreSQL included). */
export function isAnythingRunning(): boolean {
  const state = readState(CLUSTER_DIR);
  if (!state) return false;
  if (Object.values(state.processes).some((record) => isRunning(record))) return true;
  return findPostgres() ? isPostgresRunning(postgresInstance(state)) : false;
}

export function describeCluster(state: ClusterState): string[] {
  return [
    `Temporal frontend  ${temporalAddress(state)} (namespace ${state.namespace}, task queue ${state.taskQueue})`,
    `Web UI             ${state.processes.ui ? uiUrl(state) : '(not built: use the temporal CLI)'}`,
    `HTTP API           ${apiUrl(state)}  (tenant "${CLUSTER_TENANT}", key in ${join(state.dataDir, 'state.json')})`,
    `ACI emulator       ${emulatorEndpoint(state)}`,
    `PostgreSQL         127.0.0.1:${state.ports.postgres} (user ${DB_USER})`,
    `logs               ${logsDir(state)}`,
  ];
}

// ---------------------------------------------------------------------------------------------------------
// the parts

/**
 * Both databases at the schema of this server version, with its temporal-sql-tool and schema files. Every step
 * is idempotent (create skips an existing database, setup an existing version table, update finds nothing to do
 * on a current schema), so this runs on every start, and a new server version's schema changes are applied here.
 */
function setUpSchema(state: ClusterState, serverDir: string, log: Log): void {
  const sqlTool = join(serverDir, 'temporal-sql-tool');
  const steps = schemaSetupSteps(
    { host: '127.0.0.1', port: state.ports.postgres, user: DB_USER },
    join(serverDir, 'schema'),
  );
  const applied: string[] = [];
  for (const { database, step, args } of steps) {
    const result = spawnSync(sqlTool, args, {
      env: { PATH: process.env.PATH, SQL_PASSWORD: state.secrets.dbPassword },
      encoding: 'utf8',
    });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0) {
      throw new Error(`temporal-sql-tool ${step} (${database}) failed:\n${output}`);
    }
    // "found zero updates" when current, else one line per version applied
    if (step === 'update' && !/found zero updates/.test(output)) applied.push(database);
  }
  log(
    applied.length
      ? `schema: ${applied.join(' and ')} set up or updated to this server's newest schema`
      : 'schema: temporal and temporal_visibility are current',
  );
}

export function serverProcessEnv(state: ClusterState): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...serverEnv({
      dbHost: '127.0.0.1',
      dbPort: state.ports.postgres,
      dbPassword: state.secrets.dbPassword,
      dynamicConfigPath: DYNAMIC_CONFIG_FILE,
      bindIp: '127.0.0.1',
      ports: state.ports.temporal,
      prometheusEndpoint: `127.0.0.1:${state.ports.temporalMetrics}`,
    }),
  };
}

/** Starts the Temporal server (unless it runs) and makes sure the namespace and search attributes exist. */
export async function startTemporal(
  state: ClusterState,
  serverDir = findToolSet(SERVER_TOOLS),
  log: Log = consoleLog,
): Promise<ClusterState> {
  if (!serverDir) throw new Error('the Temporal server is not built: run npm run cluster start');
  const address = temporalAddress(state);
  if (!isRunning(state.processes.temporal)) {
    const server = join(serverDir, 'temporal-server');
    // the server's own check of the project's dynamic config: unknown keys and wrong types fail here
    const check = spawnSync(server, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8' });
    if (check.status !== 0) {
      throw new Error(
        `temporal/dynamic-config.yaml is not valid for this server:\n${check.stdout}${check.stderr}`,
      );
    }
    log(`starting temporal-server on ${address} (log: ${join(logsDir(state), 'temporal.log')})`);
    state = launch(state, 'temporal', {
      command: server,
      args: ['start'],
      env: serverProcessEnv(state),
      cwd: state.dataDir,
      logFile: join(logsDir(state), 'temporal.log'),
    });
  }
  const record = state.processes.temporal!;
  await waitUntil(`temporal-server to answer at ${address}`, record, 90_000, () =>
    isTemporalReachable(address),
  );
  const connection = await Connection.connect({ address });
  try {
    await waitUntil('the namespace and search attributes', record, 60_000, async () => {
      try {
        await ensureNamespaceAndSearchAttributes(connection, state.namespace);
        return true;
      } catch {
        return false;
      }
    });
    // a new namespace reaches every frontend with the namespace cache's refresh (~10 s); the search
    // attributes reach SQL visibility with the cluster metadata: wait until a query that uses them works
    const query = ALL_SEARCH_ATTRIBUTES.map((key) => `${key.name} = 'probe'`).join(' AND ');
    await waitUntil('the namespace to accept visibility queries', record, 60_000, async () => {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace: state.namespace, query });
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    await connection.close();
  }
  return state;
}

/** SIGKILL to the server (a crash), for the fault tests. */
export async function killTemporal(state: ClusterState): Promise<ClusterState> {
  const record = state.processes.temporal;
  if (record) await kill(record);
  return updateProcesses(state.dataDir, (processes) => delete processes.temporal);
}

async function startUi(state: ClusterState, uiDir: string, log: Log): Promise<ClusterState> {
  if (isRunning(state.processes.ui)) return state;
  const root = join(state.dataDir, 'ui');
  mkdirSync(join(root, 'config'), { recursive: true });
  // the settings of the temporalio/ui image's config/docker.yaml that matter here, bound to loopback
  writeFileSync(
    join(root, 'config', 'cluster.yaml'),
    [
      `temporalGrpcAddress: ${temporalAddress(state)}`,
      'host: 127.0.0.1',
      `port: ${state.ports.ui}`,
      'enableUi: true',
      `defaultNamespace: ${state.namespace}`,
      'notifyOnNewVersion: false',
      'disableNewsFetch: true',
      'hideLogs: true',
      'cors:',
      '  cookieInsecure: true',
      '  allowOrigins:',
      `    - ${uiUrl(state)}`,
      '',
    ].join('\n'),
  );
  log(`starting the Web UI on ${uiUrl(state)}`);
  state = launch(state, 'ui', {
    command: join(uiDir, 'temporal-ui-server'),
    args: ['--root', root, '--env', 'cluster', 'start'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: root,
    logFile: join(logsDir(state), 'ui.log'),
  });
  await waitUntil(`the Web UI at ${uiUrl(state)}`, state.processes.ui!, 30_000, () => httpOk(uiUrl(state)));
  return state;
}

async function startEmulatorProcess(state: ClusterState, log: Log): Promise<ClusterState> {
  if (isRunning(state.processes.emulator)) return state;
  log(`starting the ACI emulator on ${emulatorEndpoint(state)}`);
  state = launch(state, 'emulator', {
    command: process.execPath,
    args: ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'emulator.ts')],
    env: {
      ...baseEnv(),
      ACI_EMULATOR_PORT: String(state.ports.emulator),
      ACI_EMULATOR_CA_FILE: emulatorCaFile(state),
    },
    cwd: PROJECT_ROOT,
    logFile: join(logsDir(state), 'emulator.log'),
  });
  // it listens once it has printed its settings (the CA file is written by then)
  await waitUntil('the ACI emulator', state.processes.emulator!, 60_000, async () =>
    ownLog(state.processes.emulator!).includes(`ACI_EMULATOR_ENDPOINT=${emulatorEndpoint(state)}`),
  );
  return state;
}

/** The settings every worker and the API share (README "Settings"). */
export function appEnv(state: ClusterState): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    TEMPORAL_ADDRESS: temporalAddress(state),
    TEMPORAL_NAMESPACE: state.namespace,
    TEMPORAL_TASK_QUEUE: state.taskQueue,
    ACI_BATCH_CALLBACK_SECRET: state.secrets.callbackSecret,
    ACI_BATCH_LOG_LEVEL: 'info',
  };
}

export function workerEnv(state: ClusterState): NodeJS.ProcessEnv {
  return {
    ...appEnv(state),
    ACI_EMULATOR_ENDPOINT: emulatorEndpoint(state),
    ACI_EMULATOR_CA_FILE: emulatorCaFile(state),
    ACI_RESOURCE_GROUP: CLUSTER_RESOURCE_GROUP,
    ACI_POLL_INTERVAL_MS: '500',
  };
}

/** The API process's environment: the shared settings, its listen address, tenant keys and callback base. */
export function apiEnv(state: ClusterState): NodeJS.ProcessEnv {
  return {
    ...appEnv(state),
    ACI_BATCH_API_HOST: '127.0.0.1',
    ACI_BATCH_API_PORT: String(state.ports.api),
    ACI_BATCH_API_KEYS: Object.entries(state.secrets.apiKeys)
      .map(([tenant, key]) => `${tenant}=${key}`)
      .join(','),
    ACI_BATCH_CALLBACK_BASE_URL: `${apiUrl(state)}/v1`,
  };
}

async function startApi(state: ClusterState, log: Log): Promise<ClusterState> {
  if (isRunning(state.processes.api)) return state;
  log(`starting the HTTP API on ${apiUrl(state)}`);
  state = launch(state, 'api', {
    command: process.execPath,
    args: ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'api', 'main.ts')],
    env: apiEnv(state),
    cwd: PROJECT_ROOT,
    logFile: join(logsDir(state), 'api.log'),
  });
  await waitUntil(`the API at ${apiUrl(state)}`, state.processes.api!, 60_000, () =>
    httpOk(`${apiUrl(state)}/healthz`),
  );
  return state;
}

export interface WorkerLaunch {
  /** the entry point (default src/worker.ts) */
  entry?: string;
  /** more environment (e.g. the upgrade test's workflow bundle) */
  env?: NodeJS.ProcessEnv;
}

/** Starts a worker process (unless one of that name runs); see waitForWorker. */
export function launchWorker(
  state: ClusterState,
  name: `worker-${string}`,
  options: WorkerLaunch = {},
  log: Log = consoleLog,
): ClusterState {
  if (isRunning(state.processes[name])) return state;
  const entry = options.entry ?? join(PROJECT_ROOT, 'src', 'worker.ts');
  log(`starting ${name} (${entry.replace(`${PROJECT_ROOT}/`, '')})`);
  return launch(state, name, {
    command: process.execPath,
    args: ['--import', 'tsx', entry],
    env: { ...workerEnv(state), ...options.env },
    cwd: PROJECT_ROOT,
    logFile: join(logsDir(state), `${name}.log`),
  });
}

/** The worker's identity as the SDK sets it by default, and as the server shows it (pollers, histories). */
export const workerIdentity = (pid: number) => `${pid}@${hostname()}`;

/**
 * Waits until the worker polls: the SDK logs "Worker state changed ... RUNNING" once its pollers run (JSON from
 * src/worker.ts, text from the SDK's default logger), or the process prints its own ready line, or the server
 * lists it among the task queue's pollers. (The
 * poller list alone can lag by a minute: a task queue has several partitions, and a new worker's first long
 * polls may sit on partitions the list does not come from.)
 */
export async function waitForWorker(
  state: ClusterState,
  name: string,
  options: { timeoutMs?: number; readyLine?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const record = readState(state.dataDir)!.processes[name as ProcessName];
  if (!record) throw new Error(`no ${name} in the cluster state`);
  const identity = workerIdentity(record.pid);
  const connection = await Connection.connect({ address: temporalAddress(state) });
  try {
    await waitUntil(`${name} to poll task queue ${state.taskQueue}`, record, timeoutMs, async () => {
      const lines = ownLog(record).split('\n');
      if (options.readyLine && lines.some((line) => line.includes(options.readyLine!))) return true;
      if (lines.some((line) => line.includes('Worker state changed') && line.includes('RUNNING')))
        return true;
      try {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace: state.namespace,
          taskQueue: { name: state.taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return (pollers ?? []).some((poller) => poller.identity === identity);
      } catch {
        return false;
      }
    });
  } finally {
    await connection.close();
  }
}

/** SIGKILL to a worker (and its group), for the fault tests. */
export async function killProcess(state: ClusterState, name: ProcessName): Promise<ClusterState> {
  const record = state.processes[name];
  if (record) await kill(record);
  return updateProcesses(state.dataDir, (processes) => delete processes[name]);
}

/** SIGTERM, then SIGKILL after the grace time. */
export async function stopProcess(state: ClusterState, name: ProcessName): Promise<ClusterState> {
  const record = state.processes[name];
  if (record) await stop(record, name.startsWith('worker-') ? WORKER_GRACE_MS : 15_000);
  return updateProcesses(state.dataDir, (processes) => delete processes[name]);
}

/** Stops PostgreSQL (`immediate`: as a crash would) and starts it again after `downMs`. */
export async function restartPostgres(
  state: ClusterState,
  mode: 'fast' | 'immediate',
  downMs: number,
  log: Log = consoleLog,
): Promise<void> {
  const pg = postgresInstance(state);
  stopPostgres(pg, mode);
  await sleep(downMs);
  await startPostgres(pg, log);
}

// ---------------------------------------------------------------------------------------------------------
// helpers

function launch(state: ClusterState, name: ProcessName, options: SpawnOptions): ClusterState {
  const record = spawnDetached(options);
  return updateProcesses(state.dataDir, (processes) => {
    processes[name] = record;
  });
}

/** What the Node processes take from the caller's environment: not all of it (no stray settings). */
export const INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'LANG',
  'TMPDIR',
  'TZ',
  'NODE_EXTRA_CA_CERTS',
];
/** Settings of the workers that only the emulator needs (compose's workers talk to Azure). */
export const EMULATOR_ONLY_ENV: readonly string[] = ['ACI_EMULATOR_ENDPOINT', 'ACI_EMULATOR_CA_FILE'];

function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    INHERITED_ENV.filter((name) => process.env[name]).map((name) => [name, process.env[name]]),
  );
}

async function waitUntil(
  what: string,
  record: ProcessRecord,
  timeoutMs: number,
  probe: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const log = record.logFile;
  for (;;) {
    if (await probe()) return;
    if (!isRunning(record)) {
      throw new Error(`waiting for ${what}: the process exited. Its log (${log}):\n${tail(log)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}. Log (${log}):\n${tail(log)}`);
    }
    await sleep(250);
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Each port of a part that does not run must be free: a clear error instead of a confusing crash. */
async function checkPortsFree(state: ClusterState): Promise<void> {
  const wanted: Array<[string, number, boolean]> = [
    ['postgres', state.ports.postgres, false],
    ...Object.entries(state.ports.temporal).map(
      ([name, port]) =>
        [`temporal ${name}`, port, isRunning(state.processes.temporal)] as [string, number, boolean],
    ),
    ['temporal metrics', state.ports.temporalMetrics, isRunning(state.processes.temporal)],
    ['ui', state.ports.ui, isRunning(state.processes.ui)],
    ['api', state.ports.api, isRunning(state.processes.api)],
    ['emulator', state.ports.emulator, isRunning(state.processes.emulator)],
  ];
  const pgRunning = findPostgres() ? isPostgresRunning(postgresInstance(state)) : false;
  const busy: string[] = [];
  for (const [name, port, running] of wanted) {
    if (running || (name === 'postgres' && pgRunning)) continue;
    if (!(await portFree(port))) busy.push(`${name} ${port}`);
  }
  if (busy.length > 0) {
    throw new Error(
      `ports in use by something else: ${busy.join(', ')}. Stop it, or run the cluster on other ports: ` +
        `ACI_BATCH_CLUSTER_PORT_OFFSET=24000 with a fresh data folder (ACI_BATCH_CLUSTER_DIR).`,
    );
  }
  writeState(state);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
