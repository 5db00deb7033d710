/**
 * The HTTP API on the real dev server and the local stack: validation, idempotency, tenant isolation, every
 * status code of the container callbacks, and a forged token. The "container" here never reports by itself:
 * the test plays it, calling the callbacks with the run's token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { RunTokens } from '../../src/security/run-tokens';
import { runTokenOf } from '../helpers/jobs';
import { settleJobId } from '../../src/client';
import { parseJobSpec, specForInstance } from '../../src/shared/job-spec';
import { runWorkflowId } from '../../src/shared/names';
import { containerRun } from '../../src/workflows';
import { stringMatching } from '../helpers/matchers';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const secret = randomBytes(32).toString('base64url');
const keys = {
  acme: `acme-${randomBytes(16).toString('hex')}`,
  globex: `globex-${randomBytes(16).toString('hex')}`,
};
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `api-${randomBytes(4).toString('hex')}`,
    callbackSecret: secret,
    apiKeys: { acme: [keys.acme], globex: [keys.globex] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
});
afterAll(() => stack?.stop());

/** A container that idles until the test reports for it. */
function idleJob(jobId: string, instances = 1) {
  return {
    jobId,
    image: 'node:20',
    command: ['node', '-e', 'setTimeout(() => {}, 600000)'],
    cpu: 0.1,
    memoryGB: 0.1,
    instances,
    monitorInterval: '1s',
  };
}

/** The parts of the API's answers that these tests read (the OpenAPI document at /openapi.json has them all). */
interface Answer {
  error?: { code: string; message: string; details?: unknown };
  jobId?: string;
  created?: boolean;
  statusUrl?: string;
  state?: string;
  status?: { total: number };
  result?: { runs: unknown[] };
  jobs?: Array<{ jobId: string }>;
  phase?: string;
  paths?: Record<string, unknown>;
  outputs?: unknown[];
}

async function api(
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(options.key && { authorization: `Bearer ${options.key}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body:
      typeof options.body === 'string'
        ? options.body
        : options.body === undefined
          ? undefined
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  // an empty answer reads as an empty object: its fields are then missing, and the assertions say which
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
}

/** The job's view once its state is one that `wanted` accepts. */
function waitForState(jobId: string, wanted: (state: string | undefined) => boolean): Promise<Answer> {
  return waitFor(
    `job ${jobId} to reach the expected state`,
    async () => {
      const { body } = await api('GET', `/v1/jobs/${jobId}`, { key: keys.acme });
      return wanted(body.state) && body;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

/** Waits until the run's group exists and the run accepts reports; returns the run's token. */
function waitForRun(runId: string): Promise<string> {
  return waitFor(
    `run ${runId} to start`,
    async () => {
      const token = await runTokenOf(stack.client, secret, runId).catch(() => undefined);
      if (!token) return undefined;
      const response = await api('GET', `/v1/runs/${runId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.status === 200 && response.body.phase === 'Running' && token;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

describe('job submission', () => {
  it('rejects a request without a valid tenant key (401)', async () => {
    expect((await api('POST', '/v1/jobs', { body: idleJob('no-key') })).status).toBe(401);
    const wrong = await api('POST', '/v1/jobs', { key: 'not-a-key-of-anyone', body: idleJob('bad-key') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('InvalidApiKey');
  });

  it('names each invalid field and its fix (400), and starts nothing', async () => {
    const { status, body } = await api('POST', '/v1/jobs', {
      key: keys.acme,
      body: { ...idleJob('invalid'), cpu: 99, ports: [20008] },
    });
    expect(status).toBe(400);
    expect(body.error?.code).toBe('InvalidJobSpec');
    expect(body.error?.details).toEqual(
      expect.arrayContaining([
        { path: 'cpu', message: stringMatching(/at most 31/) },
        { path: 'ports.0', message: stringMatching(/reserved by ACI/) },
      ]),
    );
    expect((await api('GET', '/v1/jobs/invalid', { key: keys.acme })).status).toBe(404);
  });

  it('rejects malformed JSON (400) and a submission for another tenant (403)', async () => {
    const malformed = await api('POST', '/v1/jobs', {
      key: keys.acme,
      body: '{"tenant":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const foreign = await api('POST', '/v1/jobs', {
      key: keys.acme,
      body: { ...idleJob('foreign'), tenant: 'globex' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.code).toBe('TenantMismatch');
  });

  it('is idempotent by job id and by Idempotency-Key; tenants see only their own jobs; cancel cleans up', async () => {
    const jobId = `idem-${randomBytes(3).toString('hex')}`;
    const first = await api('POST', '/v1/jobs', { key: keys.acme, body: idleJob(jobId) });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ jobId, created: true, statusUrl: `/v1/jobs/${jobId}` });
    const again = await api('POST', '/v1/jobs', { key: keys.acme, body: idleJob(jobId) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ jobId, created: false });

    const idempotencyKey = { 'idempotency-key': randomBytes(8).toString('hex') };
    const { jobId: _, ...withoutId } = idleJob('unused');
    const keyed = await api('POST', '/v1/jobs', { key: keys.acme, body: withoutId, headers: idempotencyKey });
    const keyedAgain = await api('POST', '/v1/jobs', {
      key: keys.acme,
      body: withoutId,
      headers: idempotencyKey,
    });
    expect([keyed.status, keyedAgain.status]).toEqual([202, 200]);
    expect(keyedAgain.body.jobId).toBe(keyed.body.jobId);

    // another tenant can neither read, list nor cancel acme's job
    expect((await api('GET', `/v1/jobs/${jobId}`, { key: keys.globex })).status).toBe(404);
    expect((await api('POST', `/v1/jobs/${jobId}/cancel`, { key: keys.globex })).status).toBe(404);
    const running = await waitForState(jobId, (state) => state === 'Running');
    expect(running.status?.total).toBe(1);
    const listed = await api('GET', '/v1/jobs?status=Running', { key: keys.acme });
    expect(listed.body.jobs?.map((job: { jobId: string }) => job.jobId)).toContain(jobId);
    const theirs = await api('GET', '/v1/jobs', { key: keys.globex });
    expect(theirs.body.jobs?.map((job: { jobId: string }) => job.jobId)).not.toContain(jobId);
    // ... nor its instance's archived log or outputs: 404, as if the job did not exist
    const instance = `/v1/jobs/${jobId}/instances/0`;
    for (const path of ['/logs', '/logs?attempt=1', '/outputs', '/outputs/result.json', '/outputs/a/b.csv']) {
      const foreign = await api('GET', `${instance}${path}`, { key: keys.globex });
      expect([path, foreign.status, foreign.body.error?.code]).toEqual([path, 404, 'NotFound']);
    }
    // the job runs before its instance's workflow starts (it first asks for capacity): wait for the instance
    await waitFor(
      `instance 0 of ${jobId} to start`,
      async () => (await api('GET', instance, { key: keys.acme })).status === 200,
    );
    const own = await api('GET', `${instance}/outputs`, { key: keys.acme });
    expect(own).toMatchObject({ status: 200, body: { outputs: [] } });
    expect((await api('GET', `${instance}/outputs/none.txt`, { key: keys.acme })).body.error?.code).toBe(
      'OutputNotFound',
    );

    for (const id of [jobId, keyed.body.jobId!]) {
      expect((await api('POST', `/v1/jobs/${id}/cancel`, { key: keys.acme })).status).toBe(202);
      const cancelled = await waitForState(id, (state) => state !== 'Running');
      expect(cancelled.state).toBe('Cancelled');
    }
    expect((await api('POST', `/v1/jobs/${jobId}/cancel`, { key: keys.acme })).status).toBe(409);
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('serves its OpenAPI document', async () => {
    const { status, body } = await api('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(Object.keys(body.paths ?? {})).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{jobId}',
        '/v1/jobs/{jobId}/cancel',
        '/v1/jobs/{jobId}/instances/{index}/logs',
        '/v1/jobs/{jobId}/instances/{index}/outputs',
        '/v1/runs/{runId}/complete',
        '/v1/runs/{runId}/outputs',
      ]),
    );
  });
});

describe('container callbacks', () => {
  it('answer 401/404/413/400/202/410 as documented, and a report twice or forged changes nothing', async () => {
    const jobId = `cb-${randomBytes(3).toString('hex')}`;
    expect((await api('POST', '/v1/jobs', { key: keys.acme, body: idleJob(jobId) })).status).toBe(202);
    const runId = runWorkflowId('acme', jobId, 0);
    const token = await waitForRun(runId);
    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
    const auth = () => bearer(token);
    const someRun = { firstRunId: randomUUID(), expiresAtMs: Date.now() + 60_000 };

    // forged: no token, a made-up token, the token of another run, a token under another secret
    const completed = {
      status: 'Completed',
      exitCode: 0,
      message: 'done',
      result: { rows: 42 },
      reportId: 'r-1',
    };
    const forgeries: Array<Record<string, string>> = [
      {},
      bearer('v2.forged.token'),
      bearer(new RunTokens(secret).issue(runWorkflowId('acme', jobId, 1), someRun)),
      bearer(new RunTokens('another-secret-of-32-characters-at-least').issue(runId, someRun)),
      // this run's id and the right secret, but another execution's (an earlier job with the same id)
      bearer(new RunTokens(secret).issue(runId, someRun)),
    ];
    for (const headers of forgeries) {
      const forged = await api('POST', `/v1/runs/${runId}/complete`, { body: completed, headers });
      expect(forged.status).toBe(401);
    }
    expect(
      (
        await api('POST', '/v1/runs/acme.nope.0/progress', {
          body: { percent: 5 },
          headers: bearer(new RunTokens(secret).issue('acme.nope.0', someRun)),
        })
      ).status,
    ).toBe(404);
    const tooLarge = await api('POST', `/v1/runs/${runId}/complete`, {
      body: { ...completed, message: 'x'.repeat(20_000) },
      headers: auth(),
    });
    expect(tooLarge.status).toBe(413);
    const malformed = await api('POST', `/v1/runs/${runId}/complete`, {
      body: { status: 'Maybe' },
      headers: auth(),
    });
    expect(malformed.status).toBe(400);

    expect(
      (await api('POST', `/v1/runs/${runId}/progress`, { body: { percent: 50 }, headers: auth() })).status,
    ).toBe(202);
    expect(
      (await api('POST', `/v1/runs/${runId}/complete`, { body: completed, headers: auth() })).status,
    ).toBe(202);
    // the same report again (a retry after a lost answer) is accepted or refused, never a second outcome
    const duplicate = await api('POST', `/v1/runs/${runId}/complete`, {
      body: completed,
      headers: auth(),
    });
    expect([202, 410]).toContain(duplicate.status);

    const done = await waitForState(jobId, (state) => state !== 'Running');
    expect(done.state).toBe('Completed');
    expect(done.result?.runs[0]).toMatchObject({ status: 'Succeeded', exitCode: 0 });
    const instance = await api('GET', `/v1/jobs/${jobId}/instances/0`, { key: keys.acme });
    expect(instance.body.result).toMatchObject({
      status: 'Succeeded',
      message: 'done',
      result: { rows: 42 },
    });

    const late = await api('POST', `/v1/runs/${runId}/complete`, {
      body: { ...completed, status: 'Failed', exitCode: 1, reportId: 'r-2' },
      headers: auth(),
    });
    expect(late.status).toBe(410);
    expect(stack.emulator!.groups()).toEqual([]);
  });
});

describe('run tokens and job ids used again', () => {
  it('refuses the token of an earlier run with the same id: a later execution has a token of its own', async () => {
    const jobId = `reuse-${randomBytes(3).toString('hex')}`;
    const runId = runWorkflowId('acme', jobId, 0);
    expect((await api('POST', '/v1/jobs', { key: keys.acme, body: idleJob(jobId) })).status).toBe(202);
    const oldToken = await waitForRun(runId);
    expect((await api('POST', `/v1/jobs/${jobId}/cancel`, { key: keys.acme })).status).toBe(202);
    await waitForState(jobId, (state) => state === 'Cancelled');

    // The run id again, as a later job with the same id gets it once the first has left Temporal's
    // retention (Temporal lets a closed workflow id run again): a new execution, a new token.
    const spec = settleJobId(
      parseJobSpec({ ...idleJob(jobId), tenant: 'acme', onFailure: { action: 'delete' } }),
    );
    await stack.client.workflow.start(containerRun, {
      workflowId: runId,
      taskQueue: stack.taskQueue,
      args: [{ spec: specForInstance(spec, 0), instanceIndex: 0, settings: stack.jobSettings }],
    });
    const newToken = await waitForRun(runId);
    expect(newToken).not.toBe(oldToken);
    const report = (token: string) =>
      api('POST', `/v1/runs/${runId}/complete`, {
        body: { status: 'Failed', exitCode: 9, reportId: randomUUID() },
        headers: { authorization: `Bearer ${token}` },
      });
    const stale = await report(oldToken);
    expect(stale.status).toBe(401);
    expect(stale.body.error?.message).toContain('belongs to an earlier run');
    expect((await report(newToken)).status).toBe(202);
    const result = await stack.client.workflow.getHandle<typeof containerRun>(runId).result();
    expect(result).toMatchObject({ status: 'Failed', exitCode: 9 });
    expect(stack.emulator!.groups()).toEqual([]);
  });
});
