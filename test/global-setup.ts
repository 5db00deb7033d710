/**
 * Starts ONE Temporal dev server and ONE time-skipping test server for the whole test run, and bundles the
 * workflow code once. Vitest calls a global setup once per project, so the servers live in a process-wide
 * singleton and the last teardown stops them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { DEFAULT_NAMESPACE } from '../src/config';
import { dynamicConfigArgs } from '../dev/temporal-server';
import { serverExecutable, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../dev/temporal-tools';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';

interface SharedServers {
  dev: TestWorkflowEnvironment;
  timeSkipping: TestWorkflowEnvironment;
  workflowBundlePath: string;
  users: number;
}

const KEY = Symbol.for('aci-batch.test-servers');
type GlobalWithServers = typeof globalThis & { [KEY]?: Promise<SharedServers> };
const registry = globalThis as GlobalWithServers;

async function startServers(): Promise<SharedServers> {
  const [dev, timeSkipping, workflowBundlePath] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: serverExecutable(TEMPORAL_CLI),
        ip: '127.0.0.1',
        namespace: DEFAULT_NAMESPACE,
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        extraArgs: ['--log-level', 'error', ...dynamicConfigArgs()],
      },
    }),
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: serverExecutable(TEMPORAL_TEST_SERVER) },
    }),
    bundleWorkflows(),
  ]);
  return { dev, timeSkipping, workflowBundlePath, users: 0 };
}

async function bundleWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows/index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'aci-batch-bundle-')), 'workflows.js');
  writeFileSync(path, code);
  return path;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  registry[KEY] ??= startServers();
  const servers = await registry[KEY];
  servers.users++;
  project.provide('temporalDevAddress', servers.dev.address);
  project.provide('temporalTimeSkippingAddress', servers.timeSkipping.address);
  project.provide('workflowBundlePath', servers.workflowBundlePath);
  return async () => {
    if (--servers.users > 0) return;
    delete registry[KEY];
    await Promise.all([servers.dev.teardown(), servers.timeSkipping.teardown()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalDevAddress: string;
    temporalTimeSkippingAddress: string;
    workflowBundlePath: string;
  }
}
