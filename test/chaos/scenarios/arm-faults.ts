/**
 * Chaos 3: the ACI emulator answers with bursts of 429 (with Retry-After), 500/503 and 409, and provisions
 * slowly, while two jobs run (one instance fails once and is restarted through the faults). Every job ends
 * right, each group is created once, and every fault rule fired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../dev/local-stack';
import type { FaultSpec } from '../../../dev/emulator';
import { sampleJobSpec, submitJobs, succeeded, uniqueJobId, type ChaosJob } from '../jobs';
import { concludeScenario, startChaosStack } from '../scenario-kit';
import { describeCounts, type ChaosTally } from '../tally';

/** Bursts on every ARM operation a run makes; each rule fires `times` times, whichever request comes. */
const ARM_FAULTS: FaultSpec[] = [
  { kind: 'throttle', operation: 'create', retryAfterSeconds: 1, times: 3 },
  { kind: 'serverError', operation: 'create', status: 500, times: 2 },
  { kind: 'slowProvisioning', operation: 'create', pendingMs: 1_500, creatingMs: 1_500, times: 2 },
  { kind: 'serverError', operation: 'operationStatus', status: 503, times: 3 },
  { kind: 'serverError', operation: 'get', status: 500, times: 3 },
  { kind: 'throttle', operation: 'get', retryAfterSeconds: 1, times: 2 },
  { kind: 'transitioning', operation: 'restart', times: 1 },
  { kind: 'slowProvisioning', operation: 'restart', pendingMs: 1_000, times: 1 },
  { kind: 'serverError', operation: 'logs', status: 503, times: 2 },
  { kind: 'transitioning', operation: 'delete', times: 2 },
  { kind: 'throttle', operation: 'delete', retryAfterSeconds: 1, times: 1 },
  { kind: 'serverError', operation: 'delete', status: 500, times: 1 },
];

export function armFaultsScenario(tally: ChaosTally): void {
  describe('chaos: ARM answers with 429, 5xx and 409 and provisions slowly', () => {
    let stack: LocalStack;

    beforeAll(async () => {
      stack = await startChaosStack({ scenario: 'arm-faults' });
    });
    afterAll(() => stack?.stop());

    it('finishes every job right, creates each group once, and leaves none', async () => {
      const emulator = stack.emulator!;
      const jobs: ChaosJob[] = ['arm-a', 'arm-b'].map((label, jobIndex) => {
        const jobId = uniqueJobId(label);
        const failsOnce = jobIndex === 0;
        return {
          jobId,
          spec: sampleJobSpec(jobId, { instances: [{}, failsOnce ? { FAIL_ON_ATTEMPTS: '1' } : {}] }),
          expected: [succeeded(), succeeded(failsOnce ? 2 : 1)],
        };
      });
      for (const fault of ARM_FAULTS) emulator.faults.add(fault);

      const started = await submitJobs(stack.jobs, jobs);
      await concludeScenario({
        tally,
        scenario: 'ARM 429/5xx/409 + slow provisioning',
        jobs,
        started,
        emulator,
        timeoutMs: 90_000,
        faults: () => ({
          count: emulator.faults.injected().length,
          detail: describeCounts(emulator.faults.tally()),
        }),
      });
      const planned = ARM_FAULTS.reduce((sum, fault) => sum + (fault.times as number), 0);
      expect(emulator.faults.pending(), 'fault rules that never fired').toBe(0);
      expect(emulator.faults.injected()).toHaveLength(planned);
    });
  });
}
