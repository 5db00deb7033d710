/**
 * Placement end to end on the emulator, with two accounts in different subscriptions and regions (each with
 * its own quotas, budgets, Spot support and outages): a job allowed two pools spreads when the first is full; a
 * capacity outage (409 ServiceUnavailable) moves new runs to the other pool with no failed instance, and the
 * pool comes back once its cool-down ends; an evicted Spot run (evicted by the emulator's state, not a mocked
 * exit code) moves to Regular capacity or waits for the platform's restart, as its policy says, without
 * touching maxRestarts; a Spot job with a public IP is refused before any ARM call.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { capacityConfigSchema } from '../../src/capacity/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { JobSpecError, type JobSpecInput } from '../../src/shared/job-spec';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const OTHER_SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const LIMITS = { groups: 2, cores: 2, spotCores: 2 };
const COOLDOWN_MS = 3_000;

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `placement-${randomBytes(4).toString('hex')}`,
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
    emulator: {
      quotas: { containerGroups: LIMITS.groups, cores: LIMITS.cores, spotCores: LIMITS.spotCores },
    },
    capacity: capacityConfigSchema.parse({
      ledgerRefresh: '1s',
      failoverCooldown: `${COOLDOWN_MS}ms`,
      pools: [
        {
          name: 'east',
          subscriptionId: EMULATOR_SUBSCRIPTION_ID,
          region: 'eastus',
          resourceGroup: 'rg-east',
          limits: LIMITS,
        },
        {
          name: 'west',
          subscriptionId: OTHER_SUBSCRIPTION,
          region: 'westus',
          resourceGroup: 'rg-west',
          limits: LIMITS,
          spot: true,
        },
      ],
    }),
  });
});
afterAll(() => stack?.stop());

function job(label: string, overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    tenant: 'placement',
    jobId: `${label}-${randomBytes(3).toString('hex')}`,
    image: 'acibatch.azurecr.io/samples/batch-job:1',
    cpu: 1,
    memoryGB: 0.5,
    env: { WORK_STEPS: '2', STEP_MS: '300' },
    instances: 1,
    monitorInterval: '1s',
    onFailure: { action: 'restart', maxRestarts: 1, backoff: '1s' },
    placement: { pools: ['east', 'west'] },
    ...overrides,
  };
}

/** Where each of the emulator's groups has been put, by the PUTs in its request log since `since`. */
function putsSince(since: number) {
  return stack
    .emulator!.requests.all({ method: 'PUT' })
    .filter((request) => request.time >= since && request.path.includes('/containerGroups/'));
}

async function runToEnd(spec: JobSpecInput) {
  const submitted = await submitSpec(stack.jobs, spec);
  return stack.jobs.result(submitted.ref);
}

describe('placement on the emulator (two subscriptions, two regions)', () => {
  it('a job allowed two pools spreads over both when the first is full', async () => {
    const startedAt = Date.now();
    const summary = await runToEnd(job('spread', { instances: 4, maxParallel: 4 }));
    expect(summary.outcome).toBe('Completed');
    const pools = summary.runs.map((run) => run.pool);
    expect(pools.filter((pool) => pool === 'east')).toHaveLength(2);
    expect(pools.filter((pool) => pool === 'west')).toHaveLength(2);
    expect(summary.runs.map((run) => run.region).sort()).toEqual(['eastus', 'eastus', 'westus', 'westus']);
    // the west pool's groups went to its own subscription and resource group
    expect(putsSince(startedAt).filter((put) => put.subscriptionId === OTHER_SUBSCRIPTION)).toHaveLength(2);
    expect(stack.emulator!.requests.limited(startedAt)).toEqual([]);
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('an outage in one region moves new runs to the other, with no failed instance; the pool comes back after its cool-down', async () => {
    const startedAt = Date.now();
    stack.emulator!.setOutage('eastus', true);
    let summary;
    try {
      summary = await runToEnd(job('outage', { instances: 3, maxParallel: 1 }));
    } finally {
      stack.emulator!.setOutage('eastus', false);
    }
    expect(summary.outcome).toBe('Completed');
    expect(summary.runs.every((run) => run.status === 'Succeeded' && run.attempts === 1)).toBe(true);
    expect(summary.runs.map((run) => run.pool)).toEqual(['west', 'west', 'west']);
    // ACI said no; the ledger passed the pool over for its cool-down and tried it again after, in vain: at
    // most once per run (how many runs find the cool-down over depends on how fast the machine runs them)
    const refusals = stack
      .emulator!.requests.all({ code: 'ServiceUnavailable' })
      .filter((request) => request.time >= startedAt);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(summary.runs.length);

    // the cool-down ends: new runs go to the first pool again
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS));
    const after = await runToEnd(job('after-outage'));
    expect(after.runs.map((run) => run.pool)).toEqual(['east']);
  });

  it('an outage that starts mid-job: the runs after it go to the other pool, none fails', async () => {
    const submitted = await submitSpec(
      stack.jobs,
      job('mid-job', { instances: 4, maxParallel: 1, env: { WORK_STEPS: '2', STEP_MS: '500' } }),
    );
    await waitFor('the first run to finish', async () => {
      const status = await stack.jobs.status(submitted.ref);
      return status.counts.Succeeded >= 1;
    });
    stack.emulator!.setOutage('eastus', true);
    let summary;
    try {
      summary = await stack.jobs.result(submitted.ref);
    } finally {
      stack.emulator!.setOutage('eastus', false);
    }
    expect(summary.outcome).toBe('Completed');
    const pools = summary.runs.map((run) => run.pool);
    expect(pools[0]).toBe('east');
    expect(pools.at(-1)).toBe('west');
    expect(summary.runs.every((run) => run.attempts === 1)).toBe(true);
  });

  it('an evicted Spot run moves to Regular capacity: its evicted group deleted, maxRestarts untouched, Spot priced apart', async () => {
    const startedAt = Date.now();
    const spec = job('evict-move', {
      env: { WORK_STEPS: '8', STEP_MS: '500' },
      placement: { pools: ['west'], spot: 'prefer', onEviction: { action: 'regular' } },
    });
    const submitted = await submitSpec(stack.jobs, spec);
    const spotGroup = await waitFor('the Spot group to run', async () =>
      stack.emulator!.groups().find((group) => group.priority === 'Spot' && group.state === 'Running'),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // some Spot seconds to bill
    await stack.emulator!.evict(spotGroup.resourceGroup, spotGroup.name, {
      subscriptionId: OTHER_SUBSCRIPTION,
    });
    const summary = await stack.jobs.result(submitted.ref);

    const [run] = summary.runs;
    expect(run).toMatchObject({ status: 'Succeeded', attempts: 1, evictions: 1, pool: 'west' });
    expect(run!.spot).toBeUndefined(); // it ended on Regular capacity
    expect(run!.spotSeconds).toBeGreaterThanOrEqual(1);
    expect(summary.spot).toMatchObject({ evictions: 1 });
    expect(summary.spot!.billedSeconds).toBe(run!.spotSeconds);
    // the evicted group was deleted, then the same name was created again as a Regular group
    const calls = stack
      .emulator!.requests.all()
      .filter(
        (request) => request.time >= startedAt && request.path.includes(`/containerGroups/${spotGroup.name}`),
      )
      .filter((request) => request.method === 'PUT' || request.method === 'DELETE')
      .map((request) => `${request.method} ${request.body?.priority ?? 'Regular'}`);
    expect(calls.slice(0, 3)).toEqual(['PUT Spot', 'DELETE Regular', 'PUT Regular']);
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('an evicted Spot run whose policy is to wait goes on when the platform restarts its group', async () => {
    const spec = job('evict-wait', {
      env: { WORK_STEPS: '4', STEP_MS: '300' },
      placement: { pools: ['west'], spot: 'prefer', onEviction: { action: 'wait', maxWait: '1m' } },
    });
    const submitted = await submitSpec(stack.jobs, spec);
    const spotGroup = await waitFor('the Spot group to run', async () =>
      stack.emulator!.groups().find((group) => group.priority === 'Spot' && group.state === 'Running'),
    );
    await stack.emulator!.evict(spotGroup.resourceGroup, spotGroup.name, {
      subscriptionId: OTHER_SUBSCRIPTION,
      restartAfterMs: 1_000,
    });
    const summary = await stack.jobs.result(submitted.ref);
    expect(summary.runs[0]).toMatchObject({ status: 'Succeeded', attempts: 1, evictions: 1, spot: true });
  });

  it('a Spot job with a public IP is refused before any ARM call', async () => {
    const startedAt = Date.now();
    const spec = job('spot-ip', {
      placement: { pools: ['west'], spot: 'allow' },
      ports: [8080],
    });
    const error = await Promise.resolve()
      .then(() => submitSpec(stack.jobs, spec))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobSpecError);
    expect((error as Error).message).toMatch(/Spot groups cannot have a public IP/);
    expect(stack.emulator!.requests.all().filter((request) => request.time >= startedAt)).toEqual([]);
  });
});
