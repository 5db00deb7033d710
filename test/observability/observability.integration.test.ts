/**
 * Observability on the real dev server, set up as the worker process sets it up: one job submitted over HTTP
 * and completed through the callback API is traced from the HTTP request through the client, both workflows
 * and the activities in one trace; the project's /metrics endpoint counts it; the Temporal runtime serves its
 * own Prometheus metrics; and the recorded histories still replay with the tracing and metrics interceptors
 * bundled in (they must not change workflow determinism).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capacityConfigSchema } from '../../src/capacity/config';
import { buildApiServer } from '../../src/api/server';
import { JobClient } from '../../src/client';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../../src/azure/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { loadObservabilityConfig } from '../../src/observability/config';
import { metricsSinks } from '../../src/observability/metrics-sinks';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import {
  startWorkerObservability,
  type WorkerObservability,
} from '../../src/observability/worker-observability';
import { bundleWorkflows } from '../../src/observability/workflow-bundle';
import { ApiKeys } from '../../src/security/api-keys';
import { runTokenOf } from '../helpers/jobs';
import { jobWorkflowId, runWorkflowId } from '../../src/shared/names';
import { createWorker, createWorkerActivities } from '../../src/worker';
import type { batchJob } from '../../src/workflows';
import { freePort } from '../helpers/ports';
import { waitFor } from '../helpers/wait';

const HISTORIES = join(__dirname, '..', 'workflows', 'histories');
const TENANT = 'obs';
const apiKey = `obs-${randomBytes(16).toString('hex')}`;
const secret = randomBytes(32).toString('base64url');
const exporter = new InMemorySpanExporter();

let tracing: Tracing;
let bundlePath: string;
let emulator: Emulator;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let api: FastifyInstance;
let apiUrl: string;
let observability: WorkerObservability;
let temporalMetricsUrl: string;

beforeAll(async () => {
  const temporalMetricsAddress = `127.0.0.1:${await freePort()}`;
  temporalMetricsUrl = `http://${temporalMetricsAddress}/metrics`;
  observability = await startWorkerObservability(
    loadObservabilityConfig({
      ACI_BATCH_METRICS_PORT: '0',
      ACI_BATCH_TEMPORAL_METRICS_ADDRESS: temporalMetricsAddress,
      ACI_BATCH_LOG_LEVEL: 'warn',
    }),
  );
  // the worker's own runtime (its log and its Prometheus endpoint), not the tests' quiet default
  // (test/helpers/quiet-runtime.ts): installed before the first connection, as the worker process does
  Runtime.install(observability.runtimeOptions);
  // spans kept in memory here; the worker process exports them by OTLP or to Azure Monitor
  tracing = (await startTracing({}, 'observability-test', [exporter]))!;
  bundlePath = join(mkdtempSync(join(tmpdir(), 'aci-batch-traced-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, await bundleWorkflows({ tracing, logger: new DefaultLogger('WARN') }));
  emulator = await startEmulator({ images: { 'test/sleep:*': { command: ['sleep'] } } });
  const address = inject('temporalDevAddress');
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: DEFAULT_NAMESPACE, plugins: [tracing.plugin] });
  nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `observability-${randomBytes(4).toString('hex')}`;
  const aci = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: emulator.endpoint,
    caPem: emulator.caPem,
  });
  worker = await createWorker({
    connection: nativeConnection,
    namespace: DEFAULT_NAMESPACE,
    taskQueue,
    activities: createWorkerActivities({
      aci,
      defaultResourceGroup: 'observability',
      pollIntervalMs: 50,
      client,
      capacity: capacityConfigSchema.parse({}),
      subscriptionId: EMULATOR_SUBSCRIPTION_ID,
      taskQueue,
    }),
    workflowBundle: { codePath: bundlePath },
    metrics: observability.metrics,
    tracing,
  });
  running = worker.run();
  api = await buildApiServer({
    jobs: new JobClient(client, { taskQueue, settings: {} }),
    apiKeys: new ApiKeys({ [TENANT]: [apiKey] }),
    callbackSecret: secret,
  });
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await api?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await Promise.all([connection?.close(), nativeConnection?.close(), emulator?.close()]);
  await tracing?.shutdown();
  await observability?.close();
});

async function post(path: string, token: string, body: unknown): Promise<number> {
  const response = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.body?.cancel();
  return response.status;
}

describe('a job submitted over HTTP and completed by callback', () => {
  const jobId = `obs-${randomBytes(3).toString('hex')}`;
  let spans: ReadableSpan[];

  beforeAll(async () => {
    const spec = { jobId, image: 'test/sleep:1', command: ['sleep', '600'], cpu: 0.1, memoryGB: 0.1 };
    expect(await post('/v1/jobs', apiKey, spec)).toBe(202);
    await waitFor(
      'the container to run',
      () => emulator.groups().some((group) => group.state === 'Running'),
      {
        timeoutMs: 30_000,
      },
    );
    const runId = runWorkflowId(TENANT, jobId, 0);
    const report = { status: 'Completed', reportId: 'done' };
    expect(await post(`/v1/runs/${runId}/complete`, await runTokenOf(client, secret, runId), report)).toBe(
      202,
    );
    const handle = client.workflow.getHandle<typeof batchJob>(jobWorkflowId(TENANT, jobId));
    expect((await handle.result()).outcome).toBe('Completed');
    await tracing.flush();
    spans = exporter.getFinishedSpans();
  }, 60_000);

  const named = (name: string) => {
    const span = spans.find((candidate) => candidate.name === name);
    if (!span) throw new Error(`no span ${name} among ${[...new Set(spans.map((s) => s.name))].join(', ')}`);
    return span;
  };

  it('traces the submission from the HTTP request through both workflows to the activities', () => {
    const request = named('POST /v1/jobs');
    const start = named('StartWorkflow:batchJob');
    expect(start.parentSpanId).toBe(request.spanContext().spanId);
    const trace = request.spanContext().traceId;
    for (const name of [
      'RunWorkflow:batchJob',
      'StartChildWorkflow:containerRun',
      'RunWorkflow:containerRun',
      'StartActivity:createContainerGroup',
      'RunActivity:createContainerGroup',
      'RunActivity:deleteContainerGroup',
    ]) {
      expect(named(name).spanContext().traceId, name).toBe(trace);
    }
    expect(request.attributes['http.response.status_code']).toBe(202);
  });

  it('traces the callback from the HTTP request to the signal handled by the run', () => {
    const callback = named('POST /v1/runs/:runId/complete');
    const signal = named('SignalWorkflow:completion');
    expect(signal.parentSpanId).toBe(callback.spanContext().spanId);
    expect(named('HandleSignal:completion').spanContext().traceId).toBe(callback.spanContext().traceId);
  });

  it("counts the job and its run, the run's container-seconds and cost, and completion to deletion", async () => {
    const values = await metricValues(observability.metricsUrl!);
    expect(values.get(`aci_batch_jobs_started_total{tenant="${TENANT}"}`)).toBe(1);
    expect(values.get(`aci_batch_jobs_finished_total{tenant="${TENANT}",outcome="Completed"}`)).toBe(1);
    expect(values.get(`aci_batch_runs_started_total{tenant="${TENANT}"}`)).toBe(1);
    expect(values.get(`aci_batch_runs_finished_total{tenant="${TENANT}",status="Succeeded"}`)).toBe(1);
    expect(values.get(`aci_batch_container_seconds_total{tenant="${TENANT}"}`)).toBeGreaterThanOrEqual(0);
    expect(values.get(`aci_batch_cost_usd_total{tenant="${TENANT}"}`)).toBeGreaterThanOrEqual(0);
    expect(values.get(`aci_batch_completion_to_deletion_seconds_count{tenant="${TENANT}"}`)).toBe(1);
  });

  it("serves the Temporal runtime's own metrics on its Prometheus endpoint", async () => {
    const values = await metricValues(temporalMetricsUrl);
    expect([...values.keys()].some((name) => name.startsWith('temporal_workflow_completed'))).toBe(true);
  });
});

it('replays the recorded histories with the tracing and metrics interceptors in the bundle', async () => {
  const History = temporal.api.history.v1.History;
  const histories = readdirSync(HISTORIES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      workflowId: file,
      history: History.fromObject(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')) as object),
    }));
  expect(histories.length).toBeGreaterThan(0);
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: bundlePath },
      plugins: [tracing.plugin],
      sinks: metricsSinks(observability.metrics),
    },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

/** Sample name with labels → value, from a Prometheus endpoint. */
async function metricValues(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\S+) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}
