/**
 * Admission with the real capacity ledger and real container runs on the dev server (in real time: the ledger
 * reads the account every half second here), the fake ACI
 * behind the activities (mocked at the edge: ARM), and admission's activities answering from the test's own
 * account description: a run waits Queued while the pool is full and calls nothing; a lease of a terminated
 * run comes back; a 429 pauses the account for its Retry-After; a quota error sends the run back to the queue
 * without a failure or a restart; groups made outside the ledger (the Usages API) reduce what it grants.
 */
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteRequestSignal,
  leaseReleasedSignal,
  leaseRequestSignal,
  ledgerViewQuery,
  ledgerWorkflowId,
} from '../../src/shared/capacity';
import { AciFailureType } from '../../src/shared/failures';
import { parseJobSpec, specForInstance, type SubmittedJobSpec } from '../../src/shared/job-spec';
import { runProgressQuery } from '../../src/shared/messages';
import { runWorkflowId } from '../../src/shared/names';
import { containerRun } from '../../src/workflows';
import { connectToDevServer } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';
import { admittedAci, placement, POOL, startLedger, type Account } from './admitted-aci';
import { withWorker } from './harness';
import { jobSpec, TENANT } from './specs';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectToDevServer();
});
afterAll(() => env?.teardown());

/** Starts the ledger and `count` runs of a fresh job under it; returns their workflow ids. */
async function startRuns(taskQueue: string, count: number, label: string): Promise<string[]> {
  await startLedger(env, taskQueue);
  const spec = parseJobSpec(jobSpec(label, { instances: count })) as SubmittedJobSpec;
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const workflowId = runWorkflowId(TENANT, spec.jobId, index);
    await env.client.workflow.start(containerRun, {
      workflowId,
      taskQueue,
      args: [
        {
          spec: specForInstance(spec, index),
          instanceIndex: index,
          settings: {},
          capacity: placement(taskQueue),
        },
      ],
    });
    ids.push(workflowId);
  }
  return ids;
}

const phase = async (runId: string) =>
  (await env.client.workflow.getHandle(runId).query(runProgressQuery)).phase;

async function ledgerView(taskQueue: string) {
  return env.client.workflow.getHandle(ledgerWorkflowId(taskQueue)).query(ledgerViewQuery, {});
}

/** The signals a run sent, by name, from its history. */
async function signalsSent(runId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(runId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
    return name ? [name] : [];
  });
}

/**
 * From a run's history: when its create activity completed, what its release said, and when it was sent (ms).
 */
async function releaseOf(runId: string) {
  const events = (await env.client.workflow.getHandle(runId).fetchHistory()).events ?? [];
  const at = (event: (typeof events)[number]) => tsToMs(event.eventTime);
  const createScheduled = events.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'createContainerGroup',
  );
  const createCompleted = events.find(
    (event) =>
      event.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() ===
      createScheduled?.eventId?.toString(),
  );
  const released = events.find(
    (event) =>
      event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === leaseReleasedSignal.name,
  );
  const payload = released?.signalExternalWorkflowExecutionInitiatedEventAttributes?.input?.payloads?.[0];
  return {
    createCompletedAt: createCompleted && at(createCompleted),
    sentAt: released && at(released),
    said: payload && defaultPayloadConverter.fromPayload<{ runId: string; createdAt?: number }>(payload),
  };
}

async function stopLedger(taskQueue: string) {
  await env.client.workflow.getHandle(ledgerWorkflowId(taskQueue)).terminate('test over');
}

describe('admission (dev server, fake ARM)', () => {
  it('queues a run while the pool is full, calling nothing, and takes back the lease of a terminated run', async () => {
    const account: Account = { limits: { groups: 1 }, gone: new Set() };
    const { aci, setQueue } = admittedAci(env, account, { script: () => ({ kind: 'hang' }) });
    await withWorker(env, aci, async (taskQueue) => {
      setQueue(taskQueue);
      const [first, second] = (await startRuns(taskQueue, 2, 'lease-back')) as [string, string];
      await waitFor('one run to hold the only slot', async () => (await phase(first)) === 'Running');
      expect(await phase(second)).toBe('Queued');
      expect(aci.createInputs).toHaveLength(1); // the queued run called nothing
      const view = await ledgerView(taskQueue);
      expect(view.queued).toEqual([expect.objectContaining({ runId: second, position: 1 })]);

      // the first run ends without handing its lease back (terminated) and its group is gone: the ledger's
      // next check takes the lease back
      await env.client.workflow.getHandle(first).terminate('test: ended without returning its lease');
      aci.groups.delete([...aci.groups.keys()][0]!);
      account.gone!.add(first);
      await waitFor('the second run to get the slot', async () => (await phase(second)) === 'Running');
      expect(aci.createInputs).toHaveLength(2);
      await env.client.workflow.getHandle(second).cancel();
      await env.client.workflow
        .getHandle(second)
        .result()
        .catch(() => undefined);
      await stopLedger(taskQueue);
    });
    expect(aci.aliveGroups()).toEqual([]);
  });

  it('a lease carries its delete while the delete windows have room; a run granted when they are full asks for a token and waits for the window', async () => {
    // one delete per "5 minutes" (3 s here): the first lease's promise fills the window
    const account: Account = { limits: { groups: 2, deletesPer5Min: 1 }, windowScale: 0.01 };
    const { aci, setQueue } = admittedAci(env, account, { script: () => ({ kind: 'hang' }) });
    const runIds = await withWorker(env, aci, async (taskQueue) => {
      setQueue(taskQueue);
      const [first, second] = (await startRuns(taskQueue, 2, 'delete-credit')) as [string, string];
      await waitFor(
        'both runs to run',
        async () => (await phase(first)) === 'Running' && (await phase(second)) === 'Running',
      );
      for (const runId of [first, second]) await env.client.workflow.getHandle(runId).cancel();
      for (const runId of [first, second]) {
        await env.client.workflow
          .getHandle(runId)
          .result()
          .catch(() => undefined);
      }
      await stopLedger(taskQueue);
      return [first, second];
    });
    expect(aci.aliveGroups()).toEqual([]);
    const [credited, uncredited] = (await Promise.all(runIds.map(signalsSent))).sort(
      (a, b) => a.length - b.length,
    );
    // one run deleted without asking; the other asked (its delete waited for the first one's to leave the window)
    expect(credited).toEqual([leaseRequestSignal.name, leaseReleasedSignal.name]);
    expect(uncredited).toEqual([leaseRequestSignal.name, deleteRequestSignal.name, leaseReleasedSignal.name]);
    // each release tells the ledger when the create was answered (its workflow time then), for ACI's windows
    for (const runId of runIds) {
      const { createCompletedAt, sentAt, said } = await releaseOf(runId);
      expect(said?.createdAt).toBeGreaterThanOrEqual(createCompletedAt!);
      expect(said?.createdAt).toBeLessThanOrEqual(sentAt!);
    }
  });

  it('a 429 pauses the whole account for its Retry-After; the run waits again and succeeds, not failed', async () => {
    const throttled = ApplicationFailure.create({
      message: 'throttled',
      type: AciFailureType.throttled,
      nextRetryDelay: '3 seconds',
      details: [{ operation: 'create container group', retryAfterMs: 3_000 }],
    });
    const { aci, setQueue } = admittedAci(
      env,
      { limits: {} },
      {
        script: () => ({ kind: 'report', status: 'Completed' }),
        createFailure: (call) => (call === 1 ? throttled : undefined),
      },
    );
    const result = await withWorker(env, aci, async (taskQueue) => {
      setQueue(taskQueue);
      const [runId] = (await startRuns(taskQueue, 1, 'throttled')) as [string];
      const result = await env.client.workflow.getHandle<typeof containerRun>(runId).result();
      await stopLedger(taskQueue);
      return result;
    });
    expect(result).toMatchObject({ status: 'Succeeded', attempts: 1, pool: POOL });
    expect(aci.createInputs).toHaveLength(2);
    // it waited out the pause: queued for at least the Retry-After (in whole seconds, rounded)
    expect(result.queuedSeconds).toBeGreaterThanOrEqual(3);
  });

  it('a quota error sends the run back to the queue (no failure, no restart); groups used outside reduce the grants', async () => {
    // 2 of 3 groups are used outside the ledger (the Usages API says so): one run at a time may hold a slot
    const account: Account = { limits: { groups: 3 }, usages: [{ name: 'groups', limit: 3, used: 2 }] };
    const quota = ApplicationFailure.create({
      message:
        "ContainerGroupQuotaReached: Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'ContainerGroups' exceeded in region 'eastus'. Limit: '3', Usage: '3' Requested: '1'.",
      type: AciFailureType.quotaExceeded,
    });
    const { aci, setQueue } = admittedAci(env, account, {
      script: () => ({ kind: 'hang' }),
      createFailure: (call) => (call === 1 ? quota : undefined),
    });
    await withWorker(env, aci, async (taskQueue) => {
      setQueue(taskQueue);
      const [first, second] = (await startRuns(taskQueue, 2, 'quota')) as [string, string];
      // the first create is refused (someone took the last slot meanwhile): back to the queue, not Failed
      await waitFor(
        'the refused run to wait again',
        async () => aci.createInputs.length === 1 && (await phase(first)) === 'Queued',
      );
      expect(await phase(second)).toBe('Queued');
      // the outside groups go: the ledger's next reading frees the account, and both runs get a slot
      account.usages = [{ name: 'groups', limit: 3, used: 0 }];
      await waitFor(
        'both runs to run',
        async () => (await phase(first)) === 'Running' && (await phase(second)) === 'Running',
      );
      const progress = await env.client.workflow.getHandle(first).query(runProgressQuery);
      expect(progress.attempt).toBe(1); // not a restart
      for (const runId of [first, second]) {
        await env.client.workflow.getHandle(runId).cancel();
        await env.client.workflow
          .getHandle(runId)
          .result()
          .catch(() => undefined);
      }
      await stopLedger(taskQueue);
    });
    expect(aci.aliveGroups()).toEqual([]);
  });
});
