/**
 * Starts a real Temporal dev server (`temporal server start-dev`, SQLite persistence, Web UI) when none is
 * reachable, and makes sure the project's namespace and search attributes exist on whichever server is used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { durationMs } from '../src/shared/duration';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { parse } from 'yaml';
import { ensureTool, PROJECT_ROOT, TEMPORAL_CLI } from './temporal-tools';

export interface DevServerOptions {
  address: string;
  namespace: string;
  uiPort: number;
  /** SQLite file; the folder is created */
  dbFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** how long to wait for the server to answer */
  startTimeoutMs?: number;
}

export interface DevServer {
  process: ChildProcess;
  uiUrl: string;
  /** SIGTERM, and waits for it to exit */
  stop(): Promise<void>;
  /** SIGKILL at once, for a forced exit that cannot wait */
  kill(): void;
}

/** The project's dynamic config (temporal/dynamic-config.yaml), shared by every server it runs. */
export const DYNAMIC_CONFIG_FILE = join(PROJECT_ROOT, 'temporal', 'dynamic-config.yaml');

/** The dynamic config as `temporal server start-dev` takes it: --dynamic-config-value KEY=JSON per key. */
export function dynamicConfigArgs(file: string = DYNAMIC_CONFIG_FILE): string[] {
  const config = parse(readFileSync(file, 'utf8')) as Record<string, Array<{ value: unknown }>>;
  return Object.entries(config).flatMap(([key, [setting]]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(setting!.value)}`,
  ]);
}

/** How long closed workflows stay in the namespaces this project registers. */
export const NAMESPACE_RETENTION = '3 days';

/** True when a Temporal frontend answers gRPC at `address`. */
export async function isTemporalReachable(address: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const [host, port] = splitAddress(options.address);
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    port,
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFile,
    '--namespace',
    options.namespace,
    '--log-level',
    options.logLevel ?? 'error',
    // WAL keeps the SQLite file consistent if the server is killed mid-write
    '--sqlite-pragma',
    'journal_mode=WAL',
    ...dynamicConfigArgs(),
    ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]),
  ];
  // in a process group of its own: a terminal's Ctrl-C goes to the launcher, which stops the server itself,
  // after it has cancelled what runs (the server must outlive that)
  const child = spawn(ensureTool(TEMPORAL_CLI), args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await isTemporalReachable(options.address))) {
    if (child.exitCode !== null) {
      throw new Error(`temporal server start-dev exited with code ${child.exitCode} before it answered`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `temporal server start-dev did not answer at ${options.address} within the start timeout`,
      );
    }
    await sleep(250);
  }
  return {
    process: child,
    uiUrl: `http://${host}:${options.uiPort}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Registers the namespace (if missing) and the project's search attributes (if missing) on a running server.
 * Idempotent: safe on every start of the worker, the launcher or a self-hosted cluster.
 */
export async function ensureNamespaceAndSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({
        seconds: durationMs(NAMESPACE_RETENTION) / 1000,
      }),
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType(key.type)])),
  });
}

/** The proto enum of a search attribute type: KEYWORD → INDEXED_VALUE_TYPE_KEYWORD. */
export function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}

function isAlreadyExists(error: unknown): boolean {
  // gRPC status 6 = ALREADY_EXISTS
  return (error as { code?: number }).code === 6;
}

function splitAddress(address: string): [string, string] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), address.slice(index + 1)];
}
