/**
 * Warm starts from an ACI standby pool on the emulator: the worker reads the pool's container group profile,
 * takes a warm group with a PUT that carries `containerGroupProfile`, `standbyPoolProfile` and the run's
 * settings in the container's config map, through the SDK's own pipeline with api-version 2024-05-01-preview
 * (checked in the emulator's request log), and the sample job, already running in the warm group, picks its run
 * up from the config map files and reports by signal. Jobs that cannot start warm (a secret to hand over, a
 * size other than the profile's) are created fresh; an empty pool makes ACI create the group fresh.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorClients, startLocalStack, type LocalStack } from '../../dev/local-stack';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { STANDBY_API_VERSION } from '../../src/azure/preview-api';
import { capacityConfigSchema } from '../../src/capacity/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { armPutAndWait } from '../emulator/helpers';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const RG = 'rg-warm';
const IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';
const ARM = `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers`;
const PROFILE_ID = `${ARM}/Microsoft.ContainerInstance/containerGroupProfiles/batch-job`;
const POOL_ID = `${ARM}/Microsoft.StandbyPool/standbyContainerGroupPools/batch-job-warm`;

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `warm-${randomBytes(4).toString('hex')}`,
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
    // warm groups carry no secret: runs report by signal, not with a run token
    reporting: 'signal',
    // a warm group takes 2 s to make: two takes at once find one ready
    emulator: { standbyRefillMs: 2_000 },
    capacity: capacityConfigSchema.parse({
      ledgerRefresh: '1s',
      pools: [
        {
          name: 'warm',
          subscriptionId: EMULATOR_SUBSCRIPTION_ID,
          region: 'eastus',
          resourceGroup: RG,
          standby: { poolId: POOL_ID, profile: { id: PROFILE_ID, revision: 1 } },
        },
      ],
    }),
  });
  const { aci } = emulatorClients(stack.emulator!.endpoint, stack.emulator!.caPem);
  await armPutAndWait(aci, stack.emulator!.endpoint, PROFILE_ID, STANDBY_API_VERSION, {
    location: 'eastus',
    properties: {
      osType: 'Linux',
      sku: 'Standard',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'job',
          properties: { image: IMAGE, resources: { requests: { cpu: 1, memoryInGB: 0.5 } } },
        },
      ],
    },
  });
  await armPutAndWait(aci, stack.emulator!.endpoint, POOL_ID, '2025-03-01', {
    location: 'eastus',
    properties: {
      elasticityProfile: { maxReadyCapacity: 1, refillPolicy: 'always' },
      containerGroupProperties: { containerGroupProfile: { id: PROFILE_ID, revision: 1 } },
    },
  });
  await waitFor('the standby pool to have a warm group ready', async () =>
    stack.emulator!.standbyPools().some((pool) => pool.ready.length === 1),
  );
});
afterAll(() => stack?.stop());

function job(label: string, overrides: Partial<JobSpecInput> = {}): JobSpecInput {
  return {
    tenant: 'warm',
    jobId: `${label}-${randomBytes(3).toString('hex')}`,
    image: IMAGE,
    cpu: 1,
    memoryGB: 0.5,
    env: { WORK_STEPS: '2', STEP_MS: '200' },
    monitorInterval: '1s',
    placement: { pools: ['warm'] },
    ...overrides,
  };
}

const groupPuts = (since: number) =>
  stack
    .emulator!.requests.all({ method: 'PUT' })
    .filter((request) => request.time >= since && request.path.includes('/containerGroups/'));

describe('warm starts from a standby pool (emulator)', () => {
  it("takes a warm group: the PUT names the profile and the pool and carries the run's settings in a config map; with the pool empty ACI makes one fresh", async () => {
    const startedAt = Date.now();
    const submitted = await submitSpec(stack.jobs, job('warm', { instances: 2, maxParallel: 2 }));
    const summary = await stack.jobs.result(submitted.ref);
    expect(summary.outcome).toBe('Completed');
    // one warm group was ready: one run got it, the other a group made fresh from the profile
    expect(summary.runs.map((run) => run.warm).sort()).toEqual([false, true]);
    expect(summary.runs.every((run) => run.pool === 'warm')).toBe(true);

    const puts = groupPuts(startedAt);
    expect(puts.map((put) => put.isCreatedFromStandbyPool).sort()).toEqual([false, true]);
    for (const put of puts) {
      expect(put).toMatchObject({
        apiVersion: STANDBY_API_VERSION,
        status: 201,
        body: {
          keys: ['location', 'properties', 'tags'],
          propertyKeys: ['containerGroupProfile', 'containers', 'standbyPoolProfile'],
          containerGroupProfile: { id: PROFILE_ID, revision: 1 },
          standbyPoolProfile: { id: POOL_ID },
        },
      });
      const keys = put.body!.configMapKeys!.job!;
      expect(keys).toEqual(
        expect.arrayContaining(['ACI_BATCH_RUN_ID', 'ACI_BATCH_TEMPORAL_ADDRESS', 'WORK_STEPS']),
      );
      expect(keys).not.toContain('ACI_BATCH_CALLBACK_TOKEN');
    }
    expect(stack.emulator!.groups()).toEqual([]);
  });

  it('a job with a secret, or another size than the profile, is created fresh with the SDK', async () => {
    const startedAt = Date.now();
    const [secret, bigger] = await Promise.all([
      submitSpec(stack.jobs, job('secret', { secretEnv: { API_KEY: 'not-for-config-maps' } })),
      submitSpec(stack.jobs, job('bigger', { cpu: 2 })),
    ]);
    const [withSecret, withOtherSize] = await Promise.all([
      stack.jobs.result(secret.ref),
      stack.jobs.result(bigger.ref),
    ]);
    expect(withSecret.runs[0]!.status).toBe('Succeeded');
    expect(withSecret.runs[0]!.warm).toBeUndefined(); // never offered the pool
    expect(withOtherSize.runs[0]).toMatchObject({ status: 'Succeeded', warm: false });
    const puts = groupPuts(startedAt);
    expect(puts).toHaveLength(2);
    for (const put of puts) {
      expect(put.apiVersion).not.toBe(STANDBY_API_VERSION);
      expect(put.body!.propertyKeys).not.toContain('containerGroupProfile');
    }
  });
});
