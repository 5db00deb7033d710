/**
 * `npm start`: the embedded default. Starts what is missing (the Temporal dev server, the ACI emulator and
 * Azurite for the logs and outputs), the worker and the API, submits a demo job of the sample batch job through
 * the API (one instance fails once and is restarted; each writes 2,000 log lines and uploads a file), shows live
 * progress, prints the Web UI link, the summary with cost and where each instance's logs and outputs went, and
 * stops everything it started.
 *
 * Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM cancels the job first: the dev
 * server runs in a process group of its own and the Temporal runtime is told not to stop the worker on
 * signals, so both outlive the cancellation; each run removes its container group, the cancelled summary is
 * printed, and the exit code is 130. A second Ctrl-C exits at once and says what may be left behind.
 *
 * It prints the tenant console's address and the demo tenant's key to sign in with; with `--stay` (npm start --
 * --stay) everything stays up after the job, for the console, until Ctrl-C.
 *
 * The dev server keeps its SQLite file across runs while the emulator starts empty, so a job an interrupted
 * earlier demo left running is settled (terminated: its groups died with that demo's emulator) before the
 * worker starts.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createProgressView } from '../src/cli/progress-view';
import { loadTemporalConfig, type TemporalConfig } from '../src/config';
import type { JobSpecInput } from '../src/shared/job-spec';
import type { JobStatus, JobSummary, RunResult } from '../src/shared/messages';
import { loadStorageConfig } from '../src/storage/config';
import { jobWorkflowId } from '../src/shared/names';
import { TENANT } from '../src/shared/search-attributes';
import { ensureConsoleBuilt } from './console-build';
import { startLocalStack, type LocalStack } from './local-stack';
import {
  ensureNamespaceAndSearchAttributes,
  isTemporalReachable,
  startDevServer,
  type DevServer,
} from './temporal-server';
import { PROJECT_ROOT } from './temporal-tools';

const DEMO_TENANT = 'demo';
/** Signals this close together are one interrupt (the terminal's, relayed by npm and tsx). */
const SAME_INTERRUPT_MS = 1000;
/** Exit code of a run that was interrupted (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

export function demoJob(jobId: string): JobSpecInput {
  return {
    tenant: DEMO_TENANT,
    jobId,
    image: 'acibatch.azurecr.io/samples/batch-job:1',
    cpu: 0.5,
    memoryGB: 1,
    // 2,000 log lines each (ACI keeps only 1,000 of a stopped container: the archive keeps them all) and a file
    env: { WORK_STEPS: '8', STEP_MS: '400', LOG_LINES: '2000', OUTPUT_FILES: 'results/data.bin:4096' },
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
  jobId?: string;
}

async function main(temporal: TemporalConfig, stay: boolean): Promise<number> {
  // the demo decides what a signal means (cancel the job first): the runtime must not stop the worker on its own
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const started: Started = {};
  const interrupt = watchForInterrupts(started, temporal);
  try {
    await useOrStartTemporal(temporal, started);
    if (interrupt.requested) return EXIT_INTERRUPTED;
    await settleStaleDemoJobs(temporal);

    console.log('No Azure subscription is used: the local ACI emulator runs the containers');
    if (!loadStorageConfig())
      console.log('Logs and outputs go to Azurite (in memory: gone when the demo stops)');
    await ensureConsoleBuilt((line) => console.log(line));
    console.log('Starting the worker and the API (bundling the workflows takes a few seconds) ...');
    const stack = await startLocalStack({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      pollIntervalMs: 250,
    });
    started.stack = stack;
    if (interrupt.requested) return EXIT_INTERRUPTED;

    const api = apiCaller(stack);
    console.log(`Console: ${stack.apiUrl}/console/`);
    console.log(`  sign in with the ${DEMO_TENANT} tenant's key: ${stack.apiKeys[DEMO_TENANT]![0]!}`);
    // date and time apart: "<name>-" and 14 digits is how scheduled jobs are named
    const stamp = new Date().toISOString().replace(/\D/g, '');
    const jobId = `demo-${stamp.slice(0, 8)}-${stamp.slice(8, 14)}`;
    const submitted = await api('POST', '/v1/jobs', demoJob(jobId));
    started.jobId = jobId;
    interrupt.onJob(() => api('POST', `/v1/jobs/${jobId}/cancel`).then(() => undefined));
    console.log(`Submitted job ${jobId} (${String(submitted.statusUrl)}) through ${stack.apiUrl}`);
    console.log(
      `Web UI: http://127.0.0.1:${temporal.uiPort}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(jobWorkflowId(DEMO_TENANT, jobId))}`,
    );

    const summary = await follow(api, jobId);
    printSummary(summary);
    await printStorage(api, stack, jobId, summary.total);
    const leftOver = stack.emulator?.groups().length ?? 0;
    console.log(`Container groups left in the emulator: ${leftOver}`);
    if (interrupt.requested) return EXIT_INTERRUPTED;
    if (stay) {
      console.log(`The console stays up at ${stack.apiUrl}/console/ (--stay); Ctrl-C stops everything.`);
      await interrupt.nextSignal();
    }
    return summary.outcome === 'Completed' && leftOver === 0 ? 0 : 1;
  } finally {
    await started.stack?.stop();
    await started.server?.stop();
    console.log('Stopped everything this command started.');
  }
}

/**
 * The first SIGINT or SIGTERM asks for the job to be cancelled (as soon as there is one) and lets the demo
 * run to the cancelled summary; the second exits at once, saying what may be left.
 */
function watchForInterrupts(started: Started, temporal: TemporalConfig) {
  let cancelJob: (() => Promise<void>) | undefined;
  let staying: (() => void) | undefined;
  const state = {
    requested: false,
    /** after the job (--stay): the next Ctrl-C or SIGTERM only ends the wait */
    nextSignal: () => new Promise<void>((resolve) => (staying = resolve)),
    onJob(cancel: () => Promise<void>) {
      cancelJob = cancel;
      if (state.requested) void requestCancel();
    },
  };
  const requestCancel = async () => {
    try {
      await cancelJob?.();
    } catch (error) {
      console.error(`Could not cancel the job: ${(error as Error).message}`);
    }
  };
  let firstAt = 0;
  const onSignal = () => {
    if (staying) {
      staying();
      staying = undefined;
      // the relayed copies of this Ctrl-C are the same interrupt; another one later exits at once
      state.requested = true;
      firstAt = Date.now();
      return;
    }
    if (!state.requested) {
      state.requested = true;
      firstAt = Date.now();
      console.log(
        started.jobId
          ? `\nInterrupted: cancelling job ${started.jobId} so that its container groups are removed (Ctrl-C again to exit at once) ...`
          : '\nInterrupted: stopping before a job is submitted ...',
      );
      void requestCancel();
      return;
    }
    // one Ctrl-C arrives more than once: from the terminal, and relayed by npm and tsx to their children
    if (Date.now() - firstAt < SAME_INTERRUPT_MS) return;
    console.log('\nExiting at once.');
    if (started.jobId) {
      console.log(
        `Job ${started.jobId} may still be running in Temporal (${temporal.address}, namespace ${temporal.namespace}); ` +
          'its container groups were in the emulator, which ends with this process. The next `npm start` settles it.',
      );
    }
    started.server?.kill();
    started.stack?.kill();
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  return state;
}

async function useOrStartTemporal(temporal: TemporalConfig, started: Started): Promise<void> {
  if (await isTemporalReachable(temporal.address)) {
    console.log(`Using the Temporal server at ${temporal.address}`);
    const connection = await Connection.connect({ address: temporal.address });
    await ensureNamespaceAndSearchAttributes(connection, temporal.namespace).finally(() =>
      connection.close(),
    );
    return;
  }
  console.log(`Starting a Temporal dev server at ${temporal.address} ...`);
  started.server = await startDevServer({
    address: temporal.address,
    namespace: temporal.namespace,
    uiPort: temporal.uiPort,
    dbFile: process.env.TEMPORAL_DB_FILE || join(PROJECT_ROOT, '.data', 'temporal', 'dev.sqlite'),
  });
}

/**
 * Jobs (and their runs) of the demo tenant still open in Temporal were left by an interrupted demo: their
 * groups were in that demo's emulator, gone now. They are terminated before this demo's worker starts, so
 * that they do not wake up against a fresh emulator.
 */
async function settleStaleDemoJobs(temporal: TemporalConfig): Promise<void> {
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    const stale: Array<{ workflowId: string; type: string }> = [];
    const query = `${TENANT.name} = "${DEMO_TENANT}" AND ExecutionStatus = "Running"`;
    for await (const workflow of client.workflow.list({ query })) {
      stale.push({ workflowId: workflow.workflowId, type: workflow.type });
    }
    if (stale.length === 0) return;
    const jobs = stale.filter((workflow) => workflow.type === 'batchJob').map((job) => job.workflowId);
    const runs = stale.filter((workflow) => workflow.type !== 'batchJob').map((run) => run.workflowId);
    // jobs first: a job terminated after its runs would react to their ends
    for (const workflowId of [...jobs, ...runs]) {
      await client.workflow
        .getHandle(workflowId)
        .terminate('left running by an interrupted `npm start`; its emulator, and its groups, are gone')
        .catch(() => undefined); // a run that ended with its job: nothing to do
    }
    console.log(
      `Settled what an interrupted earlier \`npm start\` left running: ${jobs.join(', ') || `${stale.length} runs`} (terminated; its container groups ended with its emulator)`,
    );
  } finally {
    await connection.close();
  }
}

type ApiCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

function apiCaller(stack: LocalStack): ApiCall {
  const key = stack.apiKeys[DEMO_TENANT]![0]!;
  return async (method, path, body) => {
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
}

/** Live progress until the job has a summary (completed or cancelled). */
async function follow(api: ApiCall, jobId: string): Promise<JobSummary> {
  const view = createProgressView();
  try {
    for (;;) {
      const body = (await api('GET', `/v1/jobs/${jobId}`)) as {
        status?: JobStatus;
        result?: JobSummary;
        state: string;
      };
      if (body.status) view.update(body.status);
      if (body.result) return body.result;
      if (body.state !== 'Running' && body.state !== 'Waiting')
        throw new Error(`the job ended ${body.state}`);
      await sleep(500);
    }
  } finally {
    view.stop();
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

/** Where each instance's log archive and outputs went, as the runs' results say. */
async function printStorage(
  api: ApiCall,
  stack: LocalStack,
  jobId: string,
  instances: number,
): Promise<void> {
  if (!stack.storage) return;
  console.log(`\nLogs and outputs are kept in the storage account ${stack.storage.endpoint}:`);
  for (let index = 0; index < instances; index++) {
    const { result } = (await api('GET', `/v1/jobs/${jobId}/instances/${index}`)) as { result?: RunResult };
    const archive = result?.logArchive;
    for (const attempt of archive?.attempts ?? []) {
      console.log(
        `  instance ${index} attempt ${attempt.attempt}: ${archive?.container}/${attempt.blob} (${attempt.lines} lines${attempt.complete ? '' : `; not complete: ${attempt.problem}`})`,
      );
    }
    for (const output of result?.outputs?.files ?? []) {
      console.log(
        `  instance ${index} output: ${output.name} (${output.size} bytes, MD5 ${output.contentMd5 ?? '-'}) in ${result?.outputs?.container}`,
      );
    }
  }
  console.log(
    `Read them with \`npx aci-batch logs demo/${jobId} --instance 2 --attempt 1\` and \`npx aci-batch outputs download demo/${jobId} --instance 2\` (with ACI_BATCH_STORAGE_CONNECTION_STRING set to the account's) or GET /v1/jobs/${jobId}/instances/2/logs?attempt=1.`,
  );
}

/** The demo runs on the emulator only: on Azure a container can reach neither this machine's API nor its files. */
function refuseAzure(): string | undefined {
  if (!process.env.AZURE_SUBSCRIPTION_ID) return undefined;
  return (
    'npm start runs the demo on the local ACI emulator only: AZURE_SUBSCRIPTION_ID is set, but containers in Azure ' +
    "could not reach this machine's API (its callback URL is a loopback address) nor pull the demo image.\n" +
    'To run jobs on Azure, run `npm run worker` and `npm run api` with ACI_BATCH_CALLBACK_BASE_URL set to the ' +
    'API\'s public URL (see "Running against Azure" in the README), and submit with `aci-batch submit`. ' +
    'Unset AZURE_SUBSCRIPTION_ID to run the demo here.'
  );
}

if (require.main === module) {
  const refusal = refuseAzure();
  if (refusal) {
    console.error(refusal);
    process.exit(2);
  }
  Promise.resolve()
    .then(() => main(loadTemporalConfig(), process.argv.slice(2).includes('--stay')))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
}
