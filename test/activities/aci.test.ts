/**
 * The container group activities with the REAL Azure SDK against the project's ACI emulator over HTTPS, each
 * activity run inside MockActivityEnvironment so heartbeats and cancellation are real. Containers are real
 * local processes (`node:*` images run `node`).
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities';
import type { LroHeartbeat } from '../../src/activities/lro';
import type { AciActivities, StorageActivities } from '../../src/activities/types';
import { RunTokens } from '../../src/security/run-tokens';
import type {
  ContainerGroupRef,
  ContainerGroupState,
  CreateContainerGroupInput,
} from '../../src/shared/container-groups';
import { createAciClient, emulatorCredential } from '../../src/azure/client';
import { QUOTA_RETRY_DELAY_MS, DEFAULT_THROTTLE_DELAY_MS } from '../../src/azure/errors';
import { AciFailureType } from '../../src/shared/failures';
import { EMPTY_CURSOR } from '../../src/shared/storage';
import { startEmulator, type Emulator } from '../../dev/emulator';
import {
  parseJobSpec,
  specForInstance,
  type JobSpecInput,
  type SubmittedJobSpec,
} from '../../src/shared/job-spec';
import { containerGroupName, runWorkflowId } from '../../src/shared/names';
import { anyNumber } from '../helpers/matchers';
import { waitFor } from '../helpers/wait';
import { activityEnv } from './activity-env';

const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000aa';
const RG = 'batch-rg';
const POLL_MS = 50;
const CALLBACK_SECRET = 'a-test-callback-secret-of-32-characters';

let emulator: Emulator;
let aci: ContainerInstanceManagementClient;
let activities: AciActivities & StorageActivities;

function clientFor(target: Emulator): ContainerInstanceManagementClient {
  return createAciClient({
    subscriptionId: SUBSCRIPTION,
    credential: emulatorCredential,
    endpoint: target.endpoint,
    caPem: target.caPem,
    retryOptions: { maxRetries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50 },
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ killGraceMs: 200, missingResourceGroups: ['gone-rg'] });
  aci = clientFor(emulator);
  activities = createActivities({
    aci,
    pollIntervalMs: POLL_MS,
    requestTimeoutMs: 500,
    runTokens: new RunTokens(CALLBACK_SECRET),
  });
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => {
  emulator.faults.clear();
});

let jobCounter = 0;

/** A create request for a fresh job (unique group name) running `node -e <script>`. */
function createInput(script: string, overrides: Partial<JobSpecInput> = {}): CreateContainerGroupInput {
  const jobId = `job-${++jobCounter}`;
  const spec = parseJobSpec({
    tenant: 'acme',
    jobId,
    image: 'node:20',
    command: ['node', '-e', script],
    cpu: 0.5,
    memoryGB: 0.5,
    ...overrides,
  });
  return {
    resourceGroup: RG,
    name: containerGroupName('acme', jobId, 0),
    spec: specForInstance(spec as SubmittedJobSpec, 0),
    run: {
      workflowId: runWorkflowId('acme', jobId, 0),
      firstRunId: `first-run-of-${jobId}`,
      jobId,
      instanceIndex: 0,
    },
    reporting: {
      kind: 'callback',
      baseUrl: 'https://api.example.com/v1',
      tokenExpiresAtMs: Date.now() + 3600_000,
    },
  };
}

const ref = (input: CreateContainerGroupInput): ContainerGroupRef => ({
  resourceGroup: input.resourceGroup,
  name: input.name,
});

/** Runs an activity in its own mock environment, recording its heartbeats. */
function run<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  args: A,
  info?: Partial<Info>,
): { env: MockActivityEnvironment; result: Promise<R>; heartbeats: unknown[] } {
  const env = activityEnv(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { env, result: env.run(fn, ...args), heartbeats };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => expect.fail('expected the activity to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** The group's state, as the activity reads it, once `done` accepts it. */
async function waitForState(
  target: ContainerGroupRef,
  done: (state: ContainerGroupState) => boolean,
): Promise<ContainerGroupState> {
  let last: ContainerGroupState | undefined;
  return waitFor(
    `the state of ${target.name}`,
    async () => {
      last = await run(activities.getContainerGroupState, [target]).result;
      return done(last) && last;
    },
    { intervalMs: POLL_MS },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last state ${JSON.stringify(last)}`);
  });
}

const puts = (input: CreateContainerGroupInput) =>
  emulator.requests.all({ method: 'PUT', operation: 'create', group: input.name });

/** Resolves with the first heartbeat that carries a poller state. */
function firstPollerHeartbeat(env: MockActivityEnvironment): Promise<LroHeartbeat> {
  return new Promise((resolve) => {
    const listener = (details: LroHeartbeat) => {
      if (details.poller === undefined) return;
      env.off('heartbeat', listener);
      resolve(details);
    };
    env.on('heartbeat', listener);
  });
}

const KEEP_RUNNING = 'setInterval(() => {}, 1000)';

describe('create and run to completion', () => {
  it('creates a group that runs its process to exit 0: Succeeded, exit code 0', async () => {
    const input = createInput('setTimeout(() => process.exit(0), 300)');
    const created = await run(activities.createContainerGroup, [input]).result;

    expect(created).toMatchObject({
      resourceGroup: RG,
      name: input.name,
      exists: true,
      provisioningState: 'Succeeded',
    });
    expect(created.groupState).toBe('Running');
    expect(created.container?.state).toBe('Running');

    const done = await waitForState(ref(input), (s) => s.container?.state === 'Terminated');
    expect(done.groupState).toBe('Succeeded');
    expect(done.container).toMatchObject({
      state: 'Terminated',
      exitCode: 0,
      detailStatus: 'Completed',
      restartCount: 0,
    });
    expect(Date.parse(done.container?.finishTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(done.container?.startTime ?? ''),
    );
    expect(done.events.map((e) => e.name)).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Started']));
    expect(emulator.groups().find((g) => g.name === input.name)?.containers[0]?.exitCode).toBe(0);
  });

  it('a process that exits 3: Failed, exit code 3', async () => {
    const input = createInput('process.exit(3)');
    await run(activities.createContainerGroup, [input]).result;
    const done = await waitForState(ref(input), (s) => s.container?.state === 'Terminated');
    expect(done.groupState).toBe('Failed');
    expect(done.container?.exitCode).toBe(3);
    expect(done.container?.detailStatus).toBe('Error');
  });

  it('hands the container its env, the contract env and a run token; no secret is echoed by ARM', async () => {
    const input = createInput(
      // the script prints the password's length only, so that the command itself holds no secret; the token
      // is printed for the test to check (it is worth nothing outside this test's API)
      'const e = process.env; console.log([e.MODE, e.ACI_BATCH_RUN_ID, e.ACI_BATCH_CALLBACK_URL, e.DB_PASSWORD.length, e.ACI_BATCH_CALLBACK_TOKEN].join(" "))',
      { env: { MODE: 'full' }, secretEnv: { DB_PASSWORD: 'pw-s3cret' } },
    );
    await run(activities.createContainerGroup, [input]).result;
    await waitForState(ref(input), (s) => s.container?.state === 'Terminated');
    const logs = await run(activities.getContainerLogs, [{ ...ref(input), tail: 10 }]).result;
    const [mode, runId, callbackUrl, passwordLength, token] = logs.trim().split(' ');
    expect([mode, runId, callbackUrl, passwordLength]).toEqual([
      'full',
      input.run.workflowId,
      `https://api.example.com/v1/runs/${input.run.workflowId}`,
      String('pw-s3cret'.length),
    ]);
    // minted by the activity for this run's execution, valid until the run's end
    const check = new RunTokens(CALLBACK_SECRET).verify(input.run.workflowId, token ?? '');
    expect(check).toEqual({
      valid: true,
      claims: { firstRunId: input.run.firstRunId, expiresAtMs: anyNumber() },
    });

    const group = await aci.containerGroups.get(RG, input.name);
    expect(JSON.stringify(group)).not.toContain('s3cret');
    expect(JSON.stringify(group)).not.toContain(token);
    expect(group.tags).toMatchObject({
      'aci-batch-workflow-id': input.run.workflowId,
      'aci-batch-instance': '0',
      'aci-batch-job-id': input.run.jobId,
      'aci-batch-tenant': 'acme',
      'aci-batch-managed-by': 'aci-batch',
    });
    expect(group.restartPolicy).toBe('Never');
  });

  it('heartbeats while provisioning, and never puts secrets in heartbeats', async () => {
    const input = createInput('process.exit(0)', { secretEnv: { DB_PASSWORD: 'pw-s3cret' } });
    emulator.faults.add({ kind: 'slowProvisioning', group: input.name, pendingMs: 150 });
    const { result, heartbeats } = run(activities.createContainerGroup, [input]);
    await result;
    expect(heartbeats.length).toBeGreaterThan(1);
    expect(JSON.stringify(heartbeats)).not.toContain('s3cret');
  });
});

describe('stop, restart, delete, logs', () => {
  it('stops a running group', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    await run(activities.stopContainerGroup, [ref(input)]).result;
    const state = await run(activities.getContainerGroupState, [ref(input)]).result;
    expect(state.groupState).toBe('Stopped');
    expect(emulator.groups().find((g) => g.name === input.name)?.containers[0]?.pid).toBeUndefined();
  });

  it('restarts a group in place, heartbeating while the operation is polled', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    emulator.faults.add({
      kind: 'slowProvisioning',
      operation: 'restart',
      group: input.name,
      pendingMs: 150,
    });
    const { result, heartbeats } = run(activities.restartContainerGroup, [ref(input)]);
    await result;
    expect(heartbeats.some((h) => (h as LroHeartbeat).operation === 'restart')).toBe(true);
    const state = await run(activities.getContainerGroupState, [ref(input)]).result;
    expect(state.groupState).toBe('Running');
    expect(state.container?.restartCount).toBe(1);
    expect(emulator.requests.all({ method: 'POST', operation: 'restart', group: input.name })).toHaveLength(
      1,
    );
  });

  it('deletes a group; deleting it again, or in a missing resource group, is success', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    await run(activities.deleteContainerGroup, [ref(input)]).result;
    expect(emulator.groups().some((g) => g.name === input.name)).toBe(false);
    expect(await run(activities.getContainerGroupState, [ref(input)]).result).toEqual({
      resourceGroup: RG,
      name: input.name,
      exists: false,
      events: [],
    });

    await run(activities.deleteContainerGroup, [ref(input)]).result;
    await run(activities.deleteContainerGroup, [{ resourceGroup: 'gone-rg', name: input.name }]).result;
    const deletes = emulator.requests.all({ method: 'DELETE', group: input.name });
    expect(deletes.map((d) => d.status)).toEqual([200, 204, 404]);
  });

  it('returns the tail of the log, and nothing for a missing group', async () => {
    const input = createInput('for (let i = 1; i <= 5; i++) console.log("line " + i)');
    await run(activities.createContainerGroup, [input]).result;
    await waitForState(ref(input), (s) => s.container?.state === 'Terminated');
    expect(await run(activities.getContainerLogs, [{ ...ref(input), tail: 2 }]).result).toBe(
      'line 4\nline 5\n',
    );
    expect(
      await run(activities.getContainerLogs, [{ resourceGroup: RG, name: 'no-such-group', tail: 5 }]).result,
    ).toBe('');
  });

  it("without a storage account, the log archive's last read brings the log tail itself (one activity before a delete, not two)", async () => {
    const input = createInput('for (let i = 1; i <= 5; i++) console.log("line " + i)');
    await run(activities.createContainerGroup, [input]).result;
    await waitForState(ref(input), (s) => s.container?.state === 'Terminated');
    const last = (tailLines: number) =>
      run(activities.archiveContainerLog, [
        {
          group: ref(input),
          run: { tenant: 'acme', jobId: 'job', instanceIndex: 0, runKey: input.name },
          attempt: 1,
          cursor: EMPTY_CURSOR,
          final: { tailLines },
        },
      ]).result;
    expect(await last(2)).toEqual({ configured: false, tail: 'line 4\nline 5\n' });
    const reads = emulator.requests.all({ method: 'GET', group: input.name }).length;
    expect(await last(0)).toEqual({ configured: false, tail: '' });
    expect(emulator.requests.all({ method: 'GET', group: input.name })).toHaveLength(reads); // no read for no lines
  });

  it('restarting a stopped group is a non-retryable AciInvalidState', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    await run(activities.stopContainerGroup, [ref(input)]).result;
    const failure = await failureOf(run(activities.restartContainerGroup, [ref(input)]).result);
    expect(failure.type).toBe(AciFailureType.invalidState);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('is stopped');
  });

  it('stopping a missing group is a non-retryable AciNotFound', async () => {
    const failure = await failureOf(
      run(activities.stopContainerGroup, [{ resourceGroup: RG, name: 'no-such-group' }]).result,
    );
    expect(failure.type).toBe(AciFailureType.notFound);
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('idempotent create', () => {
  it('creating twice with the same input makes one group with one PUT', async () => {
    const input = createInput(KEEP_RUNNING);
    const first = await run(activities.createContainerGroup, [input]).result;
    const second = await run(activities.createContainerGroup, [input], { attempt: 2 }).result;
    expect(second.name).toBe(first.name);
    expect(second.groupState).toBe('Running');
    expect(puts(input)).toHaveLength(1);
    expect(emulator.groups().filter((g) => g.name === input.name)).toHaveLength(1);
  });

  it('a retried create resumes polling the operation from its last heartbeat, without a second PUT', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'slowProvisioning', group: input.name, pendingMs: 400 });
    const first = run(activities.createContainerGroup, [input]);
    const checkpoint = await firstPollerHeartbeat(first.env);
    first.env.cancel();
    await expect(first.result).rejects.toBeInstanceOf(CancelledFailure);
    expect(checkpoint).toMatchObject({ operation: 'create', resourceGroup: RG, group: input.name });
    expect(checkpoint.poller).toContain('/operations/');

    const retryStart = performance.timeOrigin + performance.now();
    const retried = run(activities.createContainerGroup, [input], {
      attempt: 2,
      heartbeatDetails: checkpoint,
    });
    const state = await retried.result;
    expect(state.provisioningState).toBe('Succeeded');
    expect(state.groupState).toBe('Running');
    expect(puts(input)).toHaveLength(1);
    // the retry went straight to the operation status, not to a GET of the group first
    const byRetry = emulator.requests.all({ group: input.name }).filter((r) => r.time >= retryStart);
    expect(byRetry[0]?.operation).toBe('operationStatus');
    expect(byRetry.at(-1)?.operation).toBe('get');
  });

  it('a checkpoint whose operation ARM no longer knows falls back to adopting the group', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'slowProvisioning', group: input.name, pendingMs: 200 });
    const first = run(activities.createContainerGroup, [input]);
    const checkpoint = await firstPollerHeartbeat(first.env);
    await first.result;
    const expired = {
      ...checkpoint,
      poller: checkpoint.poller?.replace(/operations\/[^?"]+/, 'operations/expired'),
    };

    const state = await run(activities.createContainerGroup, [input], {
      attempt: 2,
      heartbeatDetails: expired,
    }).result;
    expect(state.groupState).toBe('Running');
    expect(puts(input)).toHaveLength(1);
    const lookups = emulator.requests
      .all({ operation: 'operationStatus' })
      .filter((r) => r.path.includes('expired'));
    expect(lookups.map((r) => r.status)).toEqual([404]);
  });

  it('without a heartbeat, a retry adopts the group still provisioning and waits for it', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'slowProvisioning', group: input.name, pendingMs: 300 });
    const first = run(activities.createContainerGroup, [input]);
    await firstPollerHeartbeat(first.env);
    first.env.cancel();
    await expect(first.result).rejects.toBeInstanceOf(CancelledFailure);

    const state = await run(activities.createContainerGroup, [input], { attempt: 2 }).result;
    expect(state.provisioningState).toBe('Succeeded');
    expect(puts(input)).toHaveLength(1);
  });

  it('refuses a same-named group that belongs to another job, and leaves it alone', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    const intruder = { ...input, run: { ...input.run, workflowId: 'other-tenant.other-job.0' } };
    const failure = await failureOf(run(activities.createContainerGroup, [intruder]).result);
    expect(failure.type).toBe(AciFailureType.groupConflict);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`belongs to workflow ${input.run.workflowId}`);
    expect(puts(input)).toHaveLength(1);
    expect(emulator.groups().find((g) => g.name === input.name)?.state).toBe('Running');
  });
});

describe('faults reach the right outcome', () => {
  it('429 with Retry-After: retried by the SDK, the activity succeeds', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'throttle', operation: 'create', group: input.name, retryAfterSeconds: 0.2 });
    const state = await run(activities.createContainerGroup, [input]).result;
    expect(state.groupState).toBe('Running');
    expect(puts(input).map((p) => p.status)).toEqual([429, 201]);
  });

  it('429 without Retry-After: retryable AciThrottled with nextRetryDelay', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'throttle', operation: 'create', group: input.name });
    const failure = await failureOf(run(activities.createContainerGroup, [input]).result);
    expect(failure.type).toBe(AciFailureType.throttled);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(DEFAULT_THROTTLE_DELAY_MS);
    expect(puts(input)).toHaveLength(1);
  });

  it('500 once: retried by the SDK; 503 persistently: retryable AciTransient after the SDK retries', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'serverError', operation: 'create', group: input.name, status: 500 });
    await run(activities.createContainerGroup, [input]).result;
    expect(puts(input).map((p) => p.status)).toEqual([500, 201]);

    emulator.faults.add({
      kind: 'serverError',
      operation: 'get',
      group: input.name,
      status: 503,
      times: 'always',
    });
    const failure = await failureOf(run(activities.getContainerGroupState, [ref(input)]).result);
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('HTTP 503');
    expect(
      emulator.requests.all({ operation: 'get', group: input.name }).filter((r) => r.status === 503),
    ).toHaveLength(3);
  });

  it('409 while transitioning: retryable AciTransient', async () => {
    const input = createInput(KEEP_RUNNING);
    await run(activities.createContainerGroup, [input]).result;
    emulator.faults.add({ kind: 'transitioning', operation: 'stop', group: input.name });
    const failure = await failureOf(run(activities.stopContainerGroup, [ref(input)]).result);
    expect(failure.type).toBe(AciFailureType.transient);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ContainerGroupTransitioning');
  });

  it('operation Failed with InaccessibleImage: non-retryable AciImageInaccessible', async () => {
    const input = createInput(KEEP_RUNNING, { image: 'acibatch.azurecr.io/does-not-exist:1' });
    const failure = await failureOf(run(activities.createContainerGroup, [input]).result);
    expect(failure.type).toBe(AciFailureType.imageInaccessible);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain("The image 'acibatch.azurecr.io/does-not-exist:1'");

    const injected = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'operationFailed', code: 'InaccessibleImage', group: injected.name });
    expect((await failureOf(run(activities.createContainerGroup, [injected]).result)).type).toBe(
      AciFailureType.imageInaccessible,
    );
  });

  it('operation Failed with ServiceUnavailable: no capacity, retryable, and the retry provisions the group', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'operationFailed', code: 'ServiceUnavailable', group: input.name });
    const failure = await failureOf(run(activities.createContainerGroup, [input]).result);
    expect(failure.type).toBe(AciFailureType.noCapacity);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ServiceUnavailable');

    // the retry finds the group Failed and provisions it again with a second PUT
    const state = await run(activities.createContainerGroup, [input], { attempt: 2 }).result;
    expect(puts(input).map((p) => p.status)).toEqual([201, 200]);
    expect(state.provisioningState).toBe('Succeeded');
    expect(state.groupState).toBe('Running');
    expect(emulator.groups().find((group) => group.name === input.name)?.containers[0]?.pid).toBeGreaterThan(
      0,
    );
  });

  it('ContainerGroupQuotaReached: AciQuotaExceeded, retryable after minutes', async () => {
    const input = createInput(KEEP_RUNNING);
    emulator.faults.add({ kind: 'quotaReached', group: input.name });
    const failure = await failureOf(run(activities.createContainerGroup, [input]).result);
    expect(failure.type).toBe(AciFailureType.quotaExceeded);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(QUOTA_RETRY_DELAY_MS);
  });

  it("ACI's create budget used up: AciQuotaExceeded at once, not minutes of sleeping in the SDK", async () => {
    const limited = await startEmulator({ rateLimits: { createsPer5Min: 1 } });
    try {
      const limitedActivities = createActivities({
        aci: clientFor(limited),
        pollIntervalMs: POLL_MS,
        runTokens: new RunTokens(CALLBACK_SECRET),
      });
      await run(limitedActivities.createContainerGroup, [createInput(KEEP_RUNNING)]).result;
      const started = Date.now();
      const failure = await failureOf(
        run(limitedActivities.createContainerGroup, [createInput(KEEP_RUNNING)]).result,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(failure.type).toBe(AciFailureType.quotaExceeded);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(QUOTA_RETRY_DELAY_MS - 1000);
      expect(limited.requests.all({ method: 'PUT' }).map((r) => r.status)).toEqual([201, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('validation before any call', () => {
  it.each<[string, (input: CreateContainerGroupInput) => CreateContainerGroupInput, string]>([
    ['no resource group', (input) => ({ ...input, resourceGroup: '' }), 'resourceGroup is required'],
    [
      'a run id too long for its tag',
      (input) => ({ ...input, run: { ...input.run, workflowId: 'x'.repeat(300) } }),
      'run.workflowId must be 1-256 characters',
    ],
    [
      'callbacks without a run token secret',
      (input) => ({ ...input, name: `${input.name}-x` }),
      'no ACI_BATCH_CALLBACK_SECRET',
    ],
    ['a bad group name', (input) => ({ ...input, name: 'Not_Valid' }), 'not a valid container group name'],
  ])('%s: non-retryable AciInvalidSpec, no request sent', async (what, broken, message) => {
    const input = broken(createInput(KEEP_RUNNING));
    const before = emulator.requests.all().length;
    const tested = what.startsWith('callbacks')
      ? createActivities({ aci, pollIntervalMs: POLL_MS })
      : activities;
    const failure = await failureOf(run(tested.createContainerGroup, [input]).result);
    expect(failure.type).toBe(AciFailureType.invalidSpec);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(message);
    expect(emulator.requests.all()).toHaveLength(before);
  });

  it('uses the default resource group when the request names none', async () => {
    const withDefault = createActivities({
      aci,
      pollIntervalMs: POLL_MS,
      defaultResourceGroup: 'default-rg',
      runTokens: new RunTokens(CALLBACK_SECRET),
    });
    const input = { ...createInput(KEEP_RUNNING), resourceGroup: '' };
    const state = await run(withDefault.createContainerGroup, [input]).result;
    expect(state.resourceGroup).toBe('default-rg');
    expect(emulator.groups().find((g) => g.name === input.name)?.resourceGroup).toBe('default-rg');
  });
});
