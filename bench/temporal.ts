/**
 * The Temporal server of a benchmark run: the one at TEMPORAL_ADDRESS when it answers (its namespace and
 * search attributes are made sure of), else a dev server started here on free ports with a throw-away SQLite
 * file, stopped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE } from '../src/config';
import {
  ensureNamespaceAndSearchAttributes,
  isTemporalReachable,
  startDevServer,
} from '../dev/temporal-server';
import { freePort } from '../test/helpers/ports';

export interface BenchTemporal {
  address: string;
  namespace: string;
  client: Client;
  /** "reused" when TEMPORAL_ADDRESS answered, else "dev server started by the bench" */
  origin: string;
  /** the dev server's process, when the bench started it (its CPU time is measured) */
  serverPid?: number;
  stop(): Promise<void>;
}

export async function startBenchTemporal(): Promise<BenchTemporal> {
  const namespace = DEFAULT_NAMESPACE;
  const configured = process.env.TEMPORAL_ADDRESS;
  const stops: Array<() => Promise<void>> = [];
  let address: string;
  let origin: string;
  let serverPid: number | undefined;
  if (configured && (await isTemporalReachable(configured))) {
    address = configured;
    origin = `reused at ${configured}`;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'aci-batch-bench-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    address = `127.0.0.1:${await freePort()}`;
    const server = await startDevServer({
      address,
      namespace,
      uiPort: await freePort(),
      dbFile: join(dir, 'temporal.sqlite'),
    });
    stops.push(() => server.stop());
    serverPid = server.process.pid;
    origin = 'dev server started by the bench (SQLite in a temp folder)';
  }
  const connection = await Connection.connect({ address });
  stops.push(() => connection.close());
  await ensureNamespaceAndSearchAttributes(connection, namespace);
  return {
    address,
    namespace,
    client: new Client({ connection, namespace }),
    origin,
    serverPid,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
