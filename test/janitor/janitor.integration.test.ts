/**
 * The janitor on the real dev server, with the real activities against the emulator (listed two groups a
 * page, so a sweep pages): orphans go, a running run's group stays, a group kept for inspection stays until
 * its retention has passed, and groups the project did not create are never touched. Then its Schedule.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAciClient, EMULATOR_SUBSCRIPTION_ID, emulatorCredential } from '../../src/azure/client';
import { submitSpec } from '../helpers/jobs';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { ensureJanitorSchedule } from '../../src/janitor-schedule';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { containerGroupName, MANAGED_BY_VALUE, runWorkflowId, TAGS } from '../../src/shared/names';
import { janitor } from '../../src/workflows';
import type { JanitorInput, JanitorSummary } from '../../src/workflows/janitor';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const RESOURCE_GROUP = 'janitor-rg';
const tenant = 'janitor';
const suffix = randomBytes(3).toString('hex');
let stack: LocalStack;
let arm: ContainerInstanceManagementClient;

beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `janitor-${suffix}`,
    workflowBundle: workflowBundle(),
    resourceGroup: RESOURCE_GROUP,
    emulator: { pageSize: 2 },
    pollIntervalMs: 100,
  });
  const emulator = stack.emulator!;
  arm = createAciClient({
    subscriptionId: EMULATOR_SUBSCRIPTION_ID,
    credential: emulatorCredential,
    endpoint: emulator.endpoint,
    caPem: emulator.caPem,
  });
});
afterAll(() => stack?.stop());

/** A group made straight through ARM, as another tool (or a crashed older version) would. */
async function createGroupDirectly(name: string, tags?: Record<string, string>): Promise<void> {
  const body: ContainerGroup = {
    location: 'eastus',
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'job',
        image: 'node:20',
        command: ['node', '-e', 'setTimeout(() => {}, 600000)'],
        resources: { requests: { cpu: 0.1, memoryInGB: 0.1 } },
      },
    ],
    tags,
  };
  await arm.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, name, body, {
    updateIntervalInMs: 50,
  });
}

function groupNames(): string[] {
  return stack.emulator!.groups().map((group) => group.name);
}

function sweep(input: JanitorInput): Promise<JanitorSummary> {
  return stack.client.workflow.execute(janitor, {
    taskQueue: stack.taskQueue,
    workflowId: `janitor-sweep-${randomBytes(4).toString('hex')}`,
    args: [input],
  });
}

const idle = (jobId: string): JobSpecInput => ({
  tenant,
  jobId,
  image: 'node:20',
  command: ['node', '-e', 'setTimeout(() => {}, 600000)'],
  cpu: 0.1,
  memoryGB: 0.1,
  monitorInterval: '1s',
  timeLimit: '10m',
});

const keptOnSuccess = (jobId: string): JobSpecInput => ({
  tenant,
  jobId,
  image: 'acibatch.azurecr.io/samples/batch-job:1',
  cpu: 0.1,
  memoryGB: 0.1,
  env: { WORK_STEPS: '1', STEP_MS: '50' },
  monitorInterval: '1s',
  timeLimit: '2m',
  onSuccess: 'stop',
});

describe('the janitor', () => {
  it('deletes orphans and expired kept groups, keeps running runs, and never touches foreign groups', async () => {
    const running = `running-${suffix}`;
    const kept = `kept-${suffix}`;
    const runningGroup = containerGroupName(tenant, running, 0);
    const keptGroup = containerGroupName(tenant, kept, 0);
    const orphan = `orphan-${suffix}`;
    const untagged = `untagged-${suffix}`;
    const foreign = `foreign-${suffix}`;

    const runningJob = await submitSpec(stack.jobs, idle(running));
    const keptJob = await submitSpec(stack.jobs, keptOnSuccess(kept));
    await createGroupDirectly(orphan, {
      [TAGS.managedBy]: MANAGED_BY_VALUE,
      [TAGS.tenant]: tenant,
      [TAGS.workflowId]: `${tenant}.never-started-${suffix}.0`,
      [TAGS.instance]: '0',
    });
    await createGroupDirectly(untagged);
    await createGroupDirectly(foreign, { [TAGS.managedBy]: 'someone-else', [TAGS.workflowId]: 'gone.0' });

    const keptSummary = await stack.jobs.result(keptJob.ref);
    expect(keptSummary.runs[0]).toMatchObject({ status: 'Succeeded', keptGroup: true });
    await waitFor(
      'the running run to have its group',
      () =>
        stack.emulator!.groups().some((group) => group.name === runningGroup && group.state === 'Running'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    const first = await sweep({ stoppedRetention: '7 days' });
    // the stack's Azurite holds nothing 30 days old
    expect(first).toMatchObject({ examined: 3, deleted: 1, kept: 2, failed: 0, expiredBlobs: 0 });
    expect(first.deletions).toEqual([
      { resourceGroup: RESOURCE_GROUP, name: orphan, reason: 'ownerMissing' },
    ]);
    expect(groupNames().sort()).toEqual([foreign, keptGroup, runningGroup, untagged].sort());

    // the run ends without cleaning up (terminated): its group is an orphan now
    await stack.client.workflow.getHandle(runWorkflowId(tenant, running, 0)).terminate('janitor test');
    await stack.jobs.result(runningJob.ref);

    // the kept group came to rest when its run finished: let a retention of 1 second pass
    await sleep(Math.max(0, Date.parse(keptSummary.runs[0]!.finishedAt) + 1500 - Date.now()));
    const second = await sweep({ stoppedRetention: '1 second' });
    expect(second).toMatchObject({ examined: 2, deleted: 2, kept: 0, failed: 0 });
    expect(second.deletions).toEqual(
      expect.arrayContaining([
        { resourceGroup: RESOURCE_GROUP, name: runningGroup, reason: 'ownerClosed' },
        { resourceGroup: RESOURCE_GROUP, name: keptGroup, reason: 'retentionExpired' },
      ]),
    );
    expect(groupNames().sort()).toEqual([foreign, untagged].sort());
  });
});

describe("the janitor's schedule", () => {
  const scheduleId = `janitor-schedule-${suffix}`;
  afterAll(async () => {
    await stack.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
  });

  it('is created, then updated in place, with overlap SKIP, and its sweeps run on the worker', async () => {
    const config = { interval: '15m', stoppedRetention: '7d' } as const;
    await ensureJanitorSchedule(stack.client, stack.taskQueue, config, scheduleId);
    const handle = await ensureJanitorSchedule(
      stack.client,
      stack.taskQueue,
      { interval: '20m', stoppedRetention: '3d', resourceGroup: RESOURCE_GROUP },
      scheduleId,
    );

    const description = await handle.describe();
    expect(description.spec.intervals).toMatchObject([{ every: 20 * 60_000 }]);
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'janitor',
      taskQueue: stack.taskQueue,
      args: [{ stoppedRetention: '3d', resourceGroup: RESOURCE_GROUP }],
    });

    await handle.trigger();
    const started = await waitFor(
      'the schedule to start a sweep',
      async () => (await handle.describe()).info.recentActions[0]?.action.workflow,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const result = await stack.client.workflow
      .getHandle<typeof janitor>(started.workflowId, started.firstExecutionRunId)
      .result();
    expect(result).toMatchObject({ failed: 0 });
  });
});
