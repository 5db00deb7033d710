/**
 * Azurite, Azure Storage's local emulator (npm `azurite`), as the local stand-in for the runs' Blob Storage
 * account: `azurite-blob` as a child process on a free loopback port, in memory unless given a folder, with
 * its well-known development account. It has no supported in-process API, so it runs as its own process: in a
 * process group of its own (a terminal's Ctrl-C must not stop it while runs still archive their logs), stopped
 * by its owner; it inherits the environment, so whoever looks for what a launcher left finds it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageConfig } from '../src/storage/config';
import { DEFAULT_CONTAINER_PREFIX, DEFAULT_STORAGE_RETENTION } from '../src/storage/config';

/** Azurite's development account (public, documented by Microsoft: not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** keep the data in this folder; default: in memory (gone when Azurite stops) */
  location?: string;
  /** how long to wait for it to listen (default 30 s) */
  startTimeoutMs?: number;
}

export interface Azurite {
  /** http://127.0.0.1:PORT/devstoreaccount1 */
  readonly blobEndpoint: string;
  readonly connectionString: string;
  readonly process: ChildProcess;
  /** storage settings for this Azurite (prefix and retention as given, else the defaults) */
  storageConfig(overrides?: Partial<Omit<StorageConfig, 'target'>>): StorageConfig;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it has exited */
  stop(): Promise<void>;
  /** SIGKILL at once, for a forced exit that cannot wait */
  kill(): void;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  let main: string;
  try {
    main = require.resolve('azurite/dist/src/blob/main.js');
  } catch {
    throw new Error(
      'Azurite is not installed (it is a devDependency: run `npm install`), and no storage account is configured ' +
        '(ACI_BATCH_STORAGE_ACCOUNT_URL or ACI_BATCH_STORAGE_CONNECTION_STRING)',
    );
  }
  // in memory, Azurite still writes small files in its working folder: a throw-away one
  const workspace = options.location ?? mkdtempSync(join(tmpdir(), 'aci-batch-azurite-'));
  const args = [
    main,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    ...(options.location ? ['--location', options.location] : []),
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--disableProductStyleUrl',
    ...(options.location ? [] : ['--inMemoryPersistence', '--extentMemoryLimit', '2048']),
  ];
  const child = spawn(process.execPath, args, {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cleanUp = () => {
    if (!options.location) rmSync(workspace, { recursive: true, force: true });
  };
  void exited.then(cleanUp);

  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code} before it listened:\n${output}`));
    });
  });
  // keep draining its output (an unread pipe would block it once full)
  child.stdout.resume();
  child.stderr.resume();

  const blobEndpoint = `${endpoint}/${AZURITE_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${blobEndpoint};`;
  return {
    blobEndpoint,
    connectionString,
    process: child,
    storageConfig: (overrides = {}) => ({
      target: { kind: 'connectionString', connectionString },
      containerPrefix: overrides.containerPrefix ?? DEFAULT_CONTAINER_PREFIX,
      retention: overrides.retention ?? DEFAULT_STORAGE_RETENTION,
    }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const escalation = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(escalation);
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
