/**
 * A fake ACI (mocked at the edge: ARM) whose admission activities answer from one test account, for runs
 * admitted by the real capacity ledger: the admission tests and the recorded histories of an admitted run.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CapacityActivities, CapacityDescription } from '../../src/activities/types';
import { ACI_DEFAULT_LIMITS, type PoolLimits } from '../../src/capacity/config';
import { ledgerWorkflowId, type CapacityPlacement, type QuotaReading } from '../../src/shared/capacity';
import { capacityLedger } from '../../src/workflows';
import type { FakeAciOptions } from './fake-aci';
import { fakeAci } from './harness';

const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000cc';
const ACCOUNT = `${SUBSCRIPTION}/eastus`;
export const POOL = 'test-pool';
/** how often the ledger reads the account and checks quiet leases, here */
const REFRESH_MS = 500;

export interface Account {
  limits: Partial<PoolLimits>;
  /** what the Usages API answers */
  usages?: QuotaReading[];
  /** run ids whose group is gone (as a findAbandonedLeases would find it) */
  gone?: Set<string>;
  /** ACI's windows compressed (default 1: real time) */
  windowScale?: number;
}

/** Admission's activities for one account, and the ledger started on the test's task queue. */
function capacity(
  env: TestWorkflowEnvironment,
  account: Account,
  taskQueue: () => string,
): Partial<CapacityActivities> {
  return {
    describeCapacity: async (): Promise<CapacityDescription> => ({
      pools: [{ name: POOL, accountKey: ACCOUNT, spot: false }],
      accounts: [
        {
          accountKey: ACCOUNT,
          limits: { ...ACI_DEFAULT_LIMITS, ...account.limits },
          windowScale: account.windowScale ?? 1,
        },
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
      await startLedger(env, taskQueue());
    },
  };
}

/** A fake ACI whose admission activities serve `account`, and the task queue its worker polls. */
export function admittedAci(
  env: TestWorkflowEnvironment,
  account: Account,
  options: Omit<FakeAciOptions, 'report' | 'capacity'>,
) {
  let queue = '';
  const aci = fakeAci(env, { ...options, capacity: capacity(env, account, () => queue) });
  return { aci, setQueue: (taskQueue: string) => (queue = taskQueue) };
}

/** The test account's pool, as a job's runs get it. */
export function placement(taskQueue: string): CapacityPlacement {
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

/** Starts the task queue's ledger unless it runs. */
export async function startLedger(env: TestWorkflowEnvironment, taskQueue: string): Promise<void> {
  await env.client.workflow.start(capacityLedger, {
    workflowId: ledgerWorkflowId(taskQueue),
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
