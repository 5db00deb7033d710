/**
 * Secrets stay secret on the real dev server: with payload encryption on, a job's secret env value (and the
 * run's callback token) appear nowhere in the RAW history of the job or its runs; the codec endpoint shows
 * them to a holder of its token; and neither the worker's log, nor a run's failure, nor the API's request log
 * prints a secret, even when ARM echoes the request in an error.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capacityConfigSchema } from '../../src/capacity/config';
import { buildApiServer } from '../../src/api/server';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../../src/azure/client';
import { JobClient } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { ApiKeys } from '../../src/security/api-keys';
import { dataConverterOf, type PayloadEncryption } from '../../src/security/data-converter';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/security/payload-codec';
import { RunTokens } from '../../src/security/run-tokens';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { runWorkflowId } from '../../src/shared/names';
import { createWorker, createWorkerActivities } from '../../src/worker';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const suffix = randomBytes(3).toString('hex');
const secret = `sk-live-${randomBytes(24).toString('hex')}`;
const callbackSecret = randomBytes(32).toString('base64url');
const apiKey = `demo-${randomBytes(16).toString('hex')}`;
const codecToken = randomBytes(32).toString('base64url');
const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
const encryption: PayloadEncryption = {
  codec,
  codecEndpoint: { codec, token: codecToken, allowedOrigins: ['http://127.0.0.1:8233'] },
};

/** Everything the SDK logs in this process (worker, workflows, activities, forwarded core logs). */
const workerLog: string[] = [];
/** The request log of an API with logging on. */
const apiLog: string[] = [];

let stack: LocalStack;
let loggedApi: FastifyInstance;
let loggedApiUrl: string;
/** a client without the codec: it sees histories as Temporal stores them */
let rawClient: Client;

beforeAll(async () => {
  // a runtime of its own that hands this test every log entry, instead of the tests' quiet default
  // (test/helpers/quiet-runtime.ts): installed before the first connection
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry: LogEntry) =>
      workerLog.push(`${entry.message} ${inspect(entry.meta, { depth: 8 })}`),
    ),
    telemetryOptions: { logging: { filter: { core: 'INFO', other: 'INFO' }, forward: {} } },
  });
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `secrets-${suffix}`,
    callbackSecret,
    apiKeys: { demo: [apiKey] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
    payloadEncryption: encryption,
  });
  loggedApi = await buildApiServer({
    jobs: stack.jobs,
    apiKeys: new ApiKeys(stack.apiKeys),
    callbackSecret,
    logger: { level: 'trace', stream: { write: (line: string) => void apiLog.push(line) } },
  });
  loggedApiUrl = await loggedApi.listen({ host: '127.0.0.1', port: 0 });
  rawClient = new Client({ connection: stack.client.connection, namespace: DEFAULT_NAMESPACE });
});
afterAll(async () => {
  await loggedApi?.close();
  await stack?.stop();
});

const sampleJob = (jobId: string): JobSpecInput => ({
  tenant: 'demo',
  jobId,
  image: 'acibatch.azurecr.io/samples/batch-job:1',
  cpu: 0.1,
  memoryGB: 0.1,
  env: { WORK_STEPS: '1', STEP_MS: '50' },
  secretEnv: { API_TOKEN: secret },
  instances: 2,
  monitorInterval: '1s',
  timeLimit: '2m',
});

/** The history exactly as Temporal stores it, as protobuf bytes. */
async function rawHistory(workflowId: string): Promise<Buffer> {
  const history = await rawClient.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

function waitForLog(pattern: RegExp): Promise<true> {
  return waitFor(`the worker log to match ${pattern}`, () => pattern.test(workerLog.join('\n')), {
    timeoutMs: 10_000,
    intervalMs: 100,
  });
}

/** Any run token (v2, its payload a base64url JSON object `{"f":...`): the exact ones are the worker's secret. */
const RUN_TOKEN = /v2\.eyJmIjoi[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}/;

function expectNoRunToken(haystack: Buffer | string): void {
  const text = Buffer.isBuffer(haystack) ? haystack.toString('latin1') : haystack;
  expect(RUN_TOKEN.exec(text)?.[0], 'a run token found').toBeUndefined();
}

function expectNoneOf(haystack: Buffer | string, needles: string[]): void {
  const text = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack);
  for (const needle of needles) {
    expect(text.includes(needle), `"${needle.slice(0, 12)}…" found`).toBe(false);
    expect(text.includes(Buffer.from(needle).toString('base64')), 'found in base64').toBe(false);
  }
}

describe('with payload encryption', () => {
  const jobId = `secret-${suffix}`;
  const runIds = [0, 1].map((index) => runWorkflowId('demo', jobId, index));

  it("keeps a job's secret env value and its runs' callback tokens out of the raw history", async () => {
    const submitted = await fetch(`${loggedApiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(sampleJob(jobId)),
    });
    expect(submitted.status).toBe(202);
    const summary = await stack.jobs.result({ tenant: 'demo', jobId });
    expect(summary.outcome).toBe('Completed');

    for (const workflowId of [`demo.${jobId}`, ...runIds]) {
      const history = await rawHistory(workflowId);
      expectNoneOf(history, [secret, callbackSecret]);
      expectNoRunToken(history);
    }

    // the secret IS in the input, encrypted: the raw input payload decrypts to it
    const history = await rawClient.workflow.getHandle(`demo.${jobId}`).fetchHistory();
    const [input] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const [decrypted] = await codec.decode([input as Payload]);
    expect(Buffer.from(decrypted!.data!).includes(secret)).toBe(true);
  });

  it('decodes those payloads for a holder of the codec token, through the API', async () => {
    const history = await rawClient.workflow.getHandle(`demo.${jobId}`).fetchHistory();
    const [input] = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const asJson = {
      metadata: Object.fromEntries(
        Object.entries(input!.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
      data: Buffer.from(input!.data!).toString('base64'),
    };
    const decode = (authorization?: string) =>
      fetch(`${stack.apiUrl}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ payloads: [asJson] }),
      });
    expect((await decode()).status).toBe(401);
    const response = await decode(`Bearer ${codecToken}`);
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toContain(secret);
  });

  it("never prints the API key or a secret in the API's request log", async () => {
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    const invalid = { ...sampleJob(`bad-${suffix}`), cpu: -1 };
    const rejected = await fetch(`${loggedApiUrl}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify(invalid),
    });
    expect(rejected.status).toBe(400);
    const listed = await fetch(`${loggedApiUrl}/v1/jobs`, { headers });
    expect(listed.status).toBe(200);
    const wrongKey = await fetch(`${loggedApiUrl}/v1/jobs`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(wrongKey.status).toBe(401);

    const log = apiLog.join('\n');
    expect(log).toContain('/v1/jobs');
    expectNoneOf(log, [apiKey, secret]);
  });
});

describe('when ARM echoes the request in an error', () => {
  const taskQueue = `secrets-echo-${suffix}`;
  const jobId = `echo-${suffix}`;
  const runId = runWorkflowId('demo', jobId, 0);
  let worker: Awaited<ReturnType<typeof createWorker>>;
  let running: Promise<void>;
  let connection: NativeConnection;

  /** A create that ARM refuses with the whole request body, secure values included, in its message. */
  const echoCreate: PipelinePolicy = {
    name: 'echo-create',
    async sendRequest(request, next) {
      if (request.method !== 'PUT') return next(request);
      // the SDK has serialised the group to JSON text by now: echo it whole, secure values included
      if (typeof request.body !== 'string') throw new Error('expected the create request body as text');
      return {
        request,
        status: 400,
        headers: createHttpHeaders({ 'content-type': 'application/json' }),
        bodyAsText: JSON.stringify({
          error: {
            code: 'InvalidRequestContent',
            message: `The request content was invalid: API_TOKEN=${secret}; ${request.body}`,
          },
        }),
      };
    },
  };

  beforeAll(async () => {
    const emulator = stack.emulator!;
    const aci = createAciClient({
      subscriptionId: EMULATOR_SUBSCRIPTION_ID,
      credential: emulatorCredential,
      endpoint: emulator.endpoint,
      caPem: emulator.caPem,
    });
    // next to the wire, so the SDK deserialises the answer as it would ARM's
    aci.pipeline.addPolicy(echoCreate, { afterPhase: 'Sign' });
    connection = await NativeConnection.connect({ address: inject('temporalDevAddress') });
    worker = await createWorker({
      connection,
      namespace: DEFAULT_NAMESPACE,
      taskQueue,
      activities: createWorkerActivities({
        aci,
        defaultResourceGroup: 'aci-batch-local',
        pollIntervalMs: 100,
        runTokens: new RunTokens(callbackSecret),
        client: stack.client,
        capacity: capacityConfigSchema.parse({}),
        subscriptionId: EMULATOR_SUBSCRIPTION_ID,
        taskQueue,
      }),
      dataConverter: dataConverterOf(encryption),
      workflowBundle: workflowBundle(),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  it("names no secret in the run's failure, the worker's log, or the history", async () => {
    // the same settings as the stack's API, on this test's task queue
    const jobs = new JobClient(stack.client, { taskQueue, settings: stack.jobSettings });
    const job = await submitSpec(jobs, { ...sampleJob(jobId), instances: 1 });
    const summary = await jobs.result(job.ref);
    const run = (await jobs.getRun(job.ref, 0)).result!;
    expect(run.status).toBe('Failed');
    expect(run.message).toMatch(/InvalidRequestContent, HTTP 400.*\*\*\*/);
    expectNoneOf(JSON.stringify([summary, run]), [secret]);
    expectNoRunToken(JSON.stringify([summary, run]));

    // the SDK logs a failed activity, and the workflows' logs, a moment after the job's result is in
    await waitForLog(/Activity failed[\s\S]*InvalidRequestContent/);
    await waitForLog(new RegExp(`Run finished[^}]*workflowId: '${runId}'`));
    const log = workerLog.join('\n');
    expectNoneOf(log, [secret, callbackSecret, apiKey]);
    expectNoRunToken(log);
    for (const workflowId of [`demo.${jobId}`, runId]) {
      const history = await rawHistory(workflowId);
      expectNoneOf(history, [secret]);
      expectNoRunToken(history);
    }
  });
});
