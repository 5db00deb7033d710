/**
 * `npm start`: the embedded default. Starts what is missing (the Temporal dev server, the ACI emulator when no
 * Azure subscription is configured, the worker, the API), submits a demo job of the sample batch job through
 * the API (one instance fails once and is restarted), shows live progress, prints the Web UI link and the
 * summary with cost, and stops everything it started, also on Ctrl-C (the job is cancelled first, so its
 * container groups are removed).
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadAzureConfig, type AzureConfig } from '../src/azure/client';
import { createProgressView } from '../src/cli/progress-view';
import { loadTemporalConfig } from '../src/config';
import type { JobSpecInput } from '../src/shared/job-spec';
import type { JobStatus, JobSummary } from '../src/shared/messages';
import { jobWorkflowId } from '../src/shared/names';
import { startLocalStack, type LocalStack } from './local-stack';
import {
  ensureNamespaceAndSearchAttributes,
  isTemporalReachable,
  startDevServer,
  type DevServer,
} from './temporal-server';
import { PROJECT_ROOT } from './temporal-tools';

const DEMO_TENANT = 'demo';

export function demoJob(jobId: string): JobSpecInput {
  return {
    tenant: DEMO_TENANT,
    jobId,
    image: 'acibatch.azurecr.io/samples/batch-job:1',
    cpu: 0.5,
    memoryGB: 1,
    env: { WORK_STEPS: '8', STEP_MS: '400' },
    // instance 2 fails its first attempt; the restart policy brings it back
    instances: [{}, {}, { env: { FAIL_ON_ATTEMPTS: '1' } }, {}],
    maxParallel: 4,
    monitorInterval: '2s',
    timeLimit: '5m',
    onFailure: { action: 'restart', maxRestarts: 2, backoff: '2s' },
  };
}

interface Started {
  server?: DevServer;
  stack?: LocalStack;
}

async function main(): Promise<number> {
  // the terminal shows the job's progress; the worker speaks only of problems
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporal = loadTemporalConfig();
  const azure: AzureConfig | undefined = process.env.AZURE_SUBSCRIPTION_ID ? loadAzureConfig() : undefined;
  const started: Started = {};
  let interrupted = false;
  let cancel: (() => Promise<void>) | undefined;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.log('\nInterrupted: cancelling the job so that its container groups are removed ...');
    void cancel?.();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  try {
    if (await isTemporalReachable(temporal.address)) {
      console.log(`Using the Temporal server at ${temporal.address}`);
      const connection = await Connection.connect({ address: temporal.address });
      await ensureNamespaceAndSearchAttributes(connection, temporal.namespace);
      await connection.close();
    } else {
      console.log(`Starting a Temporal dev server at ${temporal.address} ...`);
      started.server = await startDevServer({
        address: temporal.address,
        namespace: temporal.namespace,
        uiPort: temporal.uiPort,
        dbFile: process.env.TEMPORAL_DB_FILE ?? join(PROJECT_ROOT, '.data', 'temporal', 'dev.sqlite'),
      });
    }
    console.log(
      azure
        ? `Using Azure subscription ${azure.subscriptionId}`
        : 'No Azure subscription configured: using the local ACI emulator',
    );
    console.log('Starting the worker and the API (bundling the workflows takes a few seconds) ...');
    const stack = await startLocalStack({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      azure,
      pollIntervalMs: azure ? undefined : 250,
    });
    started.stack = stack;
    const key = stack.apiKeys[DEMO_TENANT]![0]!;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const payload = (await response.json()) as Record<string, unknown>;
      if (!response.ok)
        throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(payload)}`);
      return payload;
    };

    const jobId = `demo-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
    const submitted = await call('POST', '/v1/jobs', demoJob(jobId));
    cancel = async () => void (await call('POST', `/v1/jobs/${jobId}/cancel`).catch(() => undefined));
    if (interrupted) await cancel();
    const workflowId = jobWorkflowId(DEMO_TENANT, jobId);
    console.log(`Submitted job ${jobId} (${String(submitted.statusUrl)}) through ${stack.apiUrl}`);
    console.log(
      `Web UI: http://127.0.0.1:${temporal.uiPort}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`,
    );

    const view = createProgressView();
    let summary: JobSummary | undefined;
    while (!summary) {
      const body = (await call('GET', `/v1/jobs/${jobId}`)) as {
        status?: JobStatus;
        result?: JobSummary;
        state: string;
      };
      if (body.status) view.update(body.status);
      if (body.result) summary = body.result;
      else if (body.state !== 'Running') throw new Error(`the job ended ${body.state}`);
      else await sleep(500);
    }
    view.stop();
    printSummary(summary);
    const leftOver = stack.emulator?.groups().length ?? 0;
    console.log(stack.emulator ? `Container groups left in the emulator: ${leftOver}` : '');
    return summary.outcome === 'Completed' && leftOver === 0 ? 0 : 1;
  } finally {
    await started.stack?.stop();
    await started.server?.stop();
    console.log('Stopped everything this command started.');
  }
}

function printSummary(summary: JobSummary): void {
  console.log(`\nJob ${summary.jobId}: ${summary.outcome} (${summary.succeeded}/${summary.total} succeeded)`);
  console.table(
    [...summary.runs]
      .sort((a, b) => a.instanceIndex - b.instanceIndex)
      .map((run) => ({
        instance: run.instanceIndex,
        status: run.status,
        exitCode: run.exitCode,
        attempts: run.attempts,
        seconds: Number(((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)),
        billedSeconds: run.billedSeconds,
        costUsd: run.costUsd.toFixed(6),
      })),
  );
  console.log(
    `Billed container-seconds: ${summary.billedSeconds}, estimated cost: $${summary.costUsd.toFixed(6)}`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
