/**
 * `npm run server`: a real Temporal dev server with SQLite persistence in .data/, the Web UI, the project's
 * namespace and search attributes. Does nothing but say so when a server already answers at TEMPORAL_ADDRESS.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadTemporalConfig } from '../src/config';
import {
  ensureNamespaceAndSearchAttributes,
  isTemporalReachable,
  startDevServer,
} from '../dev/temporal-server';
import { PROJECT_ROOT } from '../dev/temporal-tools';

async function main(): Promise<void> {
  const config = loadTemporalConfig();
  if (await isTemporalReachable(config.address)) {
    const connection = await Connection.connect({ address: config.address });
    await ensureNamespaceAndSearchAttributes(connection, config.namespace);
    await connection.close();
    console.log(
      `A Temporal server already answers at ${config.address}; not starting another. ` +
        `Namespace "${config.namespace}" and search attributes are registered.`,
    );
    return;
  }
  const server = await startDevServer({
    address: config.address,
    namespace: config.namespace,
    uiPort: config.uiPort,
    dbFile: process.env.TEMPORAL_DB_FILE || join(PROJECT_ROOT, '.data', 'temporal', 'dev.sqlite'),
  });
  console.log(`Temporal dev server: ${config.address} (namespace "${config.namespace}")`);
  console.log(`Web UI:              ${server.uiUrl}/namespaces/${config.namespace}/workflows`);
  console.log('Press Ctrl-C to stop.');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.stop());
  }
  await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
