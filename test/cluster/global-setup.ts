/**
 * The cluster project's setup: the production topology of `npm run cluster` (dev/cluster), not the dev server.
 * When the cluster already runs (`npm run cluster start` before `npm run test:cluster`), the tests use it and
 * leave it running; when it does not (a plain `npm test`), this starts it (installing and building what is
 * missing) and stops it at the end. It also bundles the workflows once, for the integration files that run on
 * the cluster's server too (they start workers of their own on task queues of their own).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { isAnythingRunning, isClusterUp, startCluster, stopCluster } from '../../dev/cluster/cluster';
import { CLUSTER_DIR, readState, temporalAddress } from '../../dev/cluster/state';

const log = (message: string) => process.stderr.write(`[cluster setup] ${message}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // a cluster that runs, even in part, is the user's: it stays up after the tests
  const ours = !isAnythingRunning();
  const started = Date.now();
  if (!(await isClusterUp())) {
    log(
      ours
        ? 'starting the cluster (npm run cluster start)'
        : 'starting the parts of the cluster that are down',
    );
    try {
      await startCluster(log);
    } catch (error) {
      // no process of a half-started cluster outlives the run
      if (ours) await stopCluster(log).catch(() => undefined);
      throw error;
    }
  } else {
    log(`using the running cluster in ${CLUSTER_DIR}`);
  }
  const state = readState(CLUSTER_DIR)!;
  const bundle = await bundleWorkflows();
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
  project.provide('clusterDir', state.dataDir);
  project.provide('temporalDevAddress', temporalAddress(state));
  project.provide('workflowBundlePath', bundle);
  return async () => {
    if (!ours) return;
    log('stopping the cluster this run started (npm run cluster stop)');
    await stopCluster(log);
  };
}

async function bundleWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows/index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'aci-batch-bundle-')), 'workflows.js');
  writeFileSync(path, code);
  return path;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** the cluster's data folder (its state.json: ports, keys, pids) */
    clusterDir: string;
  }
}
