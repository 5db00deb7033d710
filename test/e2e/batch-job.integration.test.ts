/**
 * End to end: the real dev server, the real worker and activities, the real Azure SDK against the emulator,
 * and the sample batch job running as local processes. Both ways a container reports back are exercised:
 * a direct Temporal signal, and the HTTP callback API with its per-run token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { submitSpec } from '../helpers/jobs';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import type { JobSpecInput } from '../../src/shared/job-spec';
import type { JobSummary } from '../../src/shared/messages';
import { workflowBundle } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const SAMPLE_IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';

/** Three instances of the sample job; instance 1 fails its first attempt and must be restarted. */
function sampleJob(jobId: string): JobSpecInput {
  return {
    tenant: 'e2e',
    jobId,
    image: SAMPLE_IMAGE,
    cpu: 0.5,
    memoryGB: 0.5,
    env: { WORK_STEPS: '3', STEP_MS: '100' },
    instances: [{}, { env: { FAIL_ON_ATTEMPTS: '1' } }, {}],
    monitorInterval: '2s',
    timeLimit: '3m',
    onFailure: { action: 'restart', maxRestarts: 2, backoff: '1s' },
  };
}

function expectRestartedOnceAndCompleted(summary: JobSummary): void {
  expect(summary.outcome).toBe('Completed');
  expect(summary.succeeded).toBe(3);
  const attempts = [...summary.runs]
    .sort((a, b) => a.instanceIndex - b.instanceIndex)
    .map((run) => run.attempts);
  expect(attempts).toEqual([1, 2, 1]);
  for (const run of summary.runs) {
    expect(run.status).toBe('Succeeded');
    expect(run.exitCode).toBe(0);
    expect(run.billedSeconds).toBeGreaterThan(0);
  }
  expect(summary.costUsd).toBeGreaterThan(0);
}

describe.each(['signal', 'callback'] as const)(
  'a job of the sample batch job, reporting by %s',
  (reporting) => {
    let stack: LocalStack;

    beforeAll(async () => {
      stack = await startLocalStack({
        temporalAddress: inject('temporalDevAddress'),
        namespace: DEFAULT_NAMESPACE,
        taskQueue: `e2e-${reporting}-${randomBytes(4).toString('hex')}`,
        reporting,
        workflowBundle: workflowBundle(),
        pollIntervalMs: 100,
      });
    });
    afterAll(() => stack?.stop());

    it('completes every instance, restarts the one that fails once, and leaves no container group', async () => {
      const jobId = `${reporting}-${randomBytes(3).toString('hex')}`;
      let summary: JobSummary;
      if (reporting === 'signal') {
        const job = await submitSpec(stack.jobs, sampleJob(jobId));
        summary = await stack.jobs.result(job.ref);
      } else {
        summary = await submitAndFollowThroughApi(stack, sampleJob(jobId));
      }
      expectRestartedOnceAndCompleted(summary);
      expect(stack.emulator!.groups()).toEqual([]);
    });
  },
);

/** What a service does over HTTP: POST the job with its tenant key, then poll its status until it ends. */
async function submitAndFollowThroughApi(stack: LocalStack, spec: JobSpecInput): Promise<JobSummary> {
  const headers = { authorization: `Bearer ${stack.apiKeys.demo![0]}`, 'content-type': 'application/json' };
  const submitted = await fetch(`${stack.apiUrl}/v1/jobs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...spec, tenant: 'demo' }),
  });
  expect(submitted.status).toBe(202);
  const { statusUrl } = (await submitted.json()) as { statusUrl: string };
  return waitFor(
    'the job to finish',
    async () => {
      const response = await fetch(`${stack.apiUrl}${statusUrl}`, { headers });
      const body = (await response.json()) as { state: string; result?: JobSummary };
      if (!body.result) expect(body.state).toBe('Running');
      return body.result;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}
