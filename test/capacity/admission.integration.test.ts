/**
 * Admission end to end on the emulator with small limits and scaled windows (ACI's "per 5 minutes" is 6 s
 * here): two tenants submit several jobs at once; the ledger paces and shares, and the emulator's request log
 * shows no 429 and no quota error, while at no moment more groups or cores run than the limits.
 */
import { randomBytes } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/azure/client';
import { capacityConfigSchema } from '../../src/capacity/config';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { ledgerWorkflowId } from '../../src/shared/capacity';
import type { JobSpecInput } from '../../src/shared/job-spec';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';

/** ACI's windows, compressed: 5 minutes → 6 s, an hour → 72 s (the emulator and the ledger alike). */
const TIME_SCALE = 0.02;
const LIMITS = {
  groups: 3,
  cores: 3,
  createsPer5Min: 6,
  createsPerHour: 60,
  deletesPer5Min: 6,
  deletesPerHour: 60,
};
const REGION = 'eastus';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `admission-${randomBytes(4).toString('hex')}`,
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
    emulator: {
      timeScale: TIME_SCALE,
      quotas: { containerGroups: LIMITS.groups, cores: LIMITS.cores },
      rateLimits: {
        createsPer5Min: LIMITS.createsPer5Min,
        createsPerHour: LIMITS.createsPerHour,
        deletesPer5Min: LIMITS.deletesPer5Min,
        deletesPerHour: LIMITS.deletesPerHour,
      },
    },
    capacity: capacityConfigSchema.parse({
      ledgerRefresh: '1s',
      tenants: { alpha: { weight: 1 }, beta: { weight: 1 } },
      defaults: { limits: LIMITS, windowScale: TIME_SCALE },
    }),
  });
});
afterAll(() => stack?.stop());

function job(tenant: string, label: string, instances: number): JobSpecInput {
  return {
    tenant,
    jobId: `${label}-${randomBytes(3).toString('hex')}`,
    image: 'acibatch.azurecr.io/samples/batch-job:1',
    cpu: 1,
    memoryGB: 0.5,
    env: { WORK_STEPS: '2', STEP_MS: '300' },
    instances,
    maxParallel: instances,
    region: REGION,
    monitorInterval: '1s',
    onFailure: { action: 'delete' },
  };
}

describe('admission on the emulator', () => {
  it('two tenants, several jobs: no 429, no quota error, never more groups or cores than the limits', async () => {
    const startedAt = Date.now();
    let peak = { containerGroups: 0, cores: 0 };
    const sampling = setInterval(() => {
      const usage = stack.emulator!.usage(EMULATOR_SUBSCRIPTION_ID, REGION);
      peak = {
        containerGroups: Math.max(peak.containerGroups, usage.containerGroups),
        cores: Math.max(peak.cores, usage.cores),
      };
    }, 20);
    try {
      const specs = [
        job('alpha', 'a1', 4),
        job('alpha', 'a2', 3),
        job('beta', 'b1', 4),
        job('beta', 'b2', 3),
      ];
      const submitted = await Promise.all(specs.map((spec) => submitSpec(stack.jobs, spec)));
      const summaries = await Promise.all(submitted.map((job) => stack.jobs.result(job.ref)));
      for (const summary of summaries) {
        expect(summary.outcome, summary.jobId).toBe('Completed');
        for (const run of summary.runs) expect(run.pool).toBe(REGION);
      }
      // the queue held what the limits would not take: most runs waited
      const waited = summaries
        .flatMap((summary) => summary.runs)
        .filter((run) => (run.queuedSeconds ?? 0) > 0);
      expect(waited.length).toBeGreaterThan(0);
    } finally {
      clearInterval(sampling);
    }
    expect(peak.containerGroups).toBeLessThanOrEqual(LIMITS.groups);
    expect(peak.cores).toBeLessThanOrEqual(LIMITS.cores);
    expect(peak.containerGroups).toBe(LIMITS.groups); // the limits were reached: admission was what held back
    expect(stack.emulator!.requests.limited(startedAt)).toEqual([]);
    expect(stack.emulator!.groups()).toEqual([]);
    // the ledger's tasks go first and may take long after a burst of requests
    const ledger = await stack.client.workflow.getHandle(ledgerWorkflowId(stack.taskQueue)).describe();
    expect(tsToMs(ledger.raw.executionConfig?.defaultWorkflowTaskTimeout)).toBe(60_000);
    expect(ledger.raw.workflowExecutionInfo?.priority?.priorityKey).toBe(1);
  });
});
