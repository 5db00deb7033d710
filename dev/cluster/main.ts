/**
 * `npm run cluster -- <command>`: the production topology on this machine (see cluster.ts).
 *
 *   install   PostgreSQL (apt-get, as root) and the Temporal server, temporal-sql-tool and Web UI (Go builds)
 *   start     install what is missing, then start whatever does not run yet; prints the addresses
 *   status    each part: running or not, pid, address, log file
 *   stop      stop every part (workers first, PostgreSQL last); the data folder is kept
 *
 * Settings: ACI_BATCH_CLUSTER_DIR (data folder, default .data/cluster), ACI_BATCH_CLUSTER_PORT_OFFSET (every
 * port is its usual one plus this, default 20000; read when the data folder is new), ACI_BATCH_TOOLS_DIR,
 * ACI_BATCH_GO_CACHE, ACI_BATCH_PG_BINDIR.
 */
import {
  clusterStatus,
  consoleLog,
  describeCluster,
  installCluster,
  startCluster,
  stopCluster,
} from './cluster';
import { CLUSTER_DIR, readState } from './state';

const USAGE = 'usage: npm run cluster -- install|start|status|stop';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'install': {
      const installed = await installCluster();
      console.log(`PostgreSQL ${installed.postgres.major}: ${installed.postgres.bindir}`);
      console.log(`Temporal server and temporal-sql-tool: ${installed.serverDir}`);
      console.log(`Web UI server: ${installed.uiDir ?? `not built (${installed.uiProblem})`}`);
      return 0;
    }
    case 'start':
      await startCluster();
      return 0;
    case 'status': {
      const rows = await clusterStatus();
      if (rows.length === 0) {
        console.log(`no cluster in ${CLUSTER_DIR} (npm run cluster start)`);
        return 1;
      }
      const width = Math.max(...rows.map((row) => row.name.length));
      for (const row of rows) {
        console.log(
          `${row.name.padEnd(width)}  ${row.running ? 'running' : 'stopped'}  ` +
            `${row.pid ? `pid ${row.pid}` : ''}  ${row.address ?? ''}  ${row.log ?? ''}`.trimEnd(),
        );
      }
      const state = readState(CLUSTER_DIR);
      if (state && rows.every((row) => row.running))
        for (const line of describeCluster(state)) console.log(line);
      return rows.every((row) => row.running) ? 0 : 3;
    }
    case 'stop':
      await stopCluster();
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    consoleLog(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
