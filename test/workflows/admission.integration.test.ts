/**
 * Admission with the real capacity ledger and real container runs on the dev server (in real time: the ledger
 * reads the account every half second here), the fake ACI
 * behind the activities (mocked at the edge: ARM), and admission's activities answering from the test's own
 * account description: a run waits Queued while the pool is full and calls nothing; a lease of a terminated
 * run comes back; a 429 pauses the account for its Retry-After; a quota error sends the run back to the queue
 * without a failure or a restart; groups made outside the ledger (the Usages API) reduce what it grants.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityActivities, CapacityDescription } from '../../src/activities/types';
import { ACI_DEFAULT_LIMITS, type PoolLimits } from '../../src/capacity/config';
import {
  ledgerViewQuery,
  ledgerWorkflowId,
  type CapacityPlacement,
  type QuotaReading,
} from '../../src/shared/capacity';
import { AciFailureType } from '../../src/shared/failures';
import { parseJobSpec, specForInstance, type SubmittedJobSpec } from '../../src/shared/job-spec';
import { runProgressQuery } from '../../src/shared/messages';
import { runWorkflowId } from '../../src/shared/names';
import { capacityLedger, containerRun } from '../../src/workflows';
import { waitFor } from '../helpers/wait';
import type { FakeAciOptions } from './fake-aci';
import { connectToDevServer } from '../helpers/temporal';
import { fakeAci, withWorker } from './harness';
import { jobSpec, TENANT } from './specs';

const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000cc';
const ACCOUNT = `${SUBSCRIPTION}/eastus`;
const POOL = 'test-pool';
/** how often the ledger reads the account and checks quiet leases, here */
const REFRESH_MS = 500;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await connectToDevServer();
});
afterAll(() => env?.teardown());

interface Account {
  limits: Partial<PoolLimits>;
  /** what the Usages API answers */
  usages?: QuotaReading[];
  /** run ids whose group is gone (as a findAbandonedLeases would find it) */
  gone?: Set<string>;
}

/** Admission's activities for one account, and the ledger started on the test's task queue. */
function capacity(account: Account, taskQueue: () => string): Partial<CapacityActivities> {
  return {
    describeCapacity: async (): Promise<CapacityDescription> => ({
      pools: [{ name: POOL, accountKey: ACCOUNT, spot: false }],
      accounts: [
        { accountKey: ACCOUNT, limits: { ...ACI_DEFAULT_LIMITS, ...account.limits }, windowScale: 1 },
      ],
      tenants: {},
      defaultTenant: { weight: 1, defaultPriority: 3 },
      usages: { [ACCOUNT]: account.usages ?? [] },
      refreshMs: REFRESH_MS,
      cooldownMs: 60_000,
    }),
    findAbandonedLeases: async ({ leases }) =>
      leases.filter((lease) => account.gone?.has(lease.runId)).map((lease) => lease.runId),
    ensureCapacityLedger: async () => {
      await env.client.workflow.start(capacityLedger, {
        workflowId: ledgerWorkflowId(taskQueue()),
        taskQueue: taskQueue(),
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    },
  };
}

/** A fake ACI whose admission activities serve `account`, and the task queue its worker polls. */
function admittedAci(account: Account, options: Omit<FakeAciOptions, 'report' | 'capacity'>) {
  let queue = '';
  const aci = fakeAci(env, { ...options, capacity: capacity(account, () => queue) });
  return { aci, setQueue: (taskQueue: string) => (queue = taskQueue) };
}

function placement(taskQueue: string): CapacityPlacement {
  return {
    ledgerId: ledgerWorkflowId(taskQueue),
    pools: [
      {
        name: POOL,
        accountKey: ACCOUNT,
        subscriptionId: SUBSCRIPTION,
        region: 'eastus',
        resourceGroup: 'rg',
        spot: false,
        monitorIntervalMs: 60_000,
      },
    ],
    spot: 'never',
    priority: 3,
    weight: 1,
  };
}

/** Starts the ledger and `count` runs of a fresh job under it; returns their workflow ids. */
async function startRuns(taskQueue: string, count: number, label: string): Promise<string[]> {
  await env.client.workflow.start(capacityLedger, {
    workflowId: ledgerWorkflowId(taskQueue),
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
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

async function stopLedger(taskQueue: string) {
  await env.client.workflow.getHandle(ledgerWorkflowId(taskQueue)).terminate('test over');
}

describe('admission (dev server, fake ARM)', () => {
  it('queues a run while the pool is full, calling nothing, and takes back the lease of a terminated run', async () => {
    const account: Account = { limits: { groups: 1 }, gone: new Set() };
    const { aci, setQueue } = admittedAci(account, { script: () => ({ kind: 'hang' }) });
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

  it('a 429 pauses the whole account for its Retry-After; the run waits again and succeeds, not failed', async () => {
    const throttled = ApplicationFailure.create({
      message: 'throttled',
      type: AciFailureType.throttled,
      nextRetryDelay: '3 seconds',
      details: [{ operation: 'create container group', retryAfterMs: 3_000 }],
    });
    const { aci, setQueue } = admittedAci(
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
    const { aci, setQueue } = admittedAci(account, {
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
