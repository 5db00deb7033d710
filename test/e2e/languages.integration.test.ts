/**
 * End to end, in other languages: the Python sample (examples/python-job, with src/container/python) and the
 * shell sample (examples/shell-job, with src/container/sh/aci-batch-report) run as real jobs on the local
 * stack (the real dev server, worker, activities and callback API, the emulator running their images as local
 * processes, as emulator.images.yaml maps them). Each job has three instances; instance 1 is told to fail with
 * exit code 3 and, with onFailure `delete`, is not restarted. Progress is read from the runs while they work.
 * The Python sample also runs in control mode: it waits for the run's POST /start and serves GET /progress.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { RunNotFoundError, type JobClient, type JobRef } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import type { JobSpecInput } from '../../src/shared/job-spec';
import type { JobSummary } from '../../src/shared/messages';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';

const SAMPLES = [
  { language: 'python', image: 'acibatch.azurecr.io/samples/python-job:1' },
  { language: 'sh', image: 'acibatch.azurecr.io/samples/shell-job:1' },
] as const;

const STEPS = 4;
/** progress is visible from the first step's end to the last one's: 3 s, many polls even on a busy machine */
const STEP_MS = 1_000;
const FAILING = 1;

function sampleJob(jobId: string, image: string): JobSpecInput {
  return {
    tenant: 'e2e',
    jobId,
    image,
    cpu: 0.5,
    memoryGB: 0.5,
    // (PYTHONDONTWRITEBYTECODE: the emulator runs main.py from the checkout; leave no __pycache__ there)
    env: { WORK_STEPS: String(STEPS), STEP_MS: String(STEP_MS), PYTHONDONTWRITEBYTECODE: '1' },
    instances: [{}, { env: { FAIL_ON_ATTEMPTS: '1', FAIL_EXIT_CODE: '3' } }, {}],
    monitorInterval: '2s',
    timeLimit: '2m',
    onFailure: { action: 'delete' },
  };
}

/**
 * Polls each run's live progress (the `progress` query, through the job client) until `done` is aborted; all
 * instances at once, so a slow query on one does not hide another's progress.
 */
async function watchProgress(
  jobs: JobClient,
  ref: JobRef,
  instances: number,
  done: AbortSignal,
): Promise<Map<number, string[]>> {
  const seen = new Map<number, string[]>();
  const poll = async (index: number) => {
    const view = await jobs.getRun(ref, index).catch((error: unknown) => {
      if (error instanceof RunNotFoundError) return undefined; // not started yet
      throw error;
    });
    const progress = view?.progress;
    if (progress?.message !== undefined) {
      const notes = seen.get(index) ?? [];
      const note = `${progress.percent}% ${progress.message}`;
      if (notes.at(-1) !== note) notes.push(note);
      seen.set(index, notes);
    }
  };
  while (!done.aborted) {
    await Promise.all(Array.from({ length: instances }, (_, index) => poll(index)));
    await sleep(100);
  }
  return seen;
}

describe.each(SAMPLES)('a job of the $language sample, reporting by callback', ({ language, image }) => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      temporalAddress: inject('temporalDevAddress'),
      namespace: DEFAULT_NAMESPACE,
      taskQueue: `e2e-${language}-${randomBytes(4).toString('hex')}`,
      reporting: 'callback',
      workflowBundle: workflowBundle(),
      pollIntervalMs: 100,
    });
  });
  afterAll(() => stack?.stop());

  it('reports progress and completion, reports the failure with its exit code, and leaves no group', async () => {
    const job = await submitSpec(
      stack.jobs,
      sampleJob(`${language}-${randomBytes(3).toString('hex')}`, image),
    );
    const finished = new AbortController();
    const watching = watchProgress(stack.jobs, job.ref, 3, finished.signal);
    let summary: JobSummary;
    try {
      summary = await stack.jobs.result(job.ref);
    } finally {
      finished.abort();
    }
    const progress = await watching;

    expect(summary.outcome).toBe('PartiallyFailed');
    expect([summary.succeeded, summary.failed]).toEqual([2, 1]);

    for (let index = 0; index < 3; index++) {
      const { result } = await stack.jobs.getRun(job.ref, index);
      expect(result?.attempts, `instance ${index}`).toBe(1);
      if (index === FAILING) {
        // the failure as the container reported it, not as the monitor saw the exit
        expect(result).toMatchObject({ status: 'Failed', exitCode: 3, message: 'told to fail on attempt 1' });
      } else {
        expect(result).toMatchObject({
          status: 'Succeeded',
          exitCode: 0,
          message: 'all steps done',
          result: { steps: STEPS, attempt: 1, language },
        });
      }
      // the reporter's progress reached the run while it worked: "<percent>% step <n>/4"
      const notes = progress.get(index) ?? [];
      expect(notes.length, `progress of instance ${index}: ${notes.join(', ')}`).toBeGreaterThan(0);
      for (const note of notes) expect(note).toMatch(new RegExp(`^\\d+% step [1-${STEPS}]/${STEPS}$`));
    }
    expect(stack.emulator!.groups()).toEqual([]);
  });
});

describe('a job of the python sample with a control endpoint', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      temporalAddress: inject('temporalDevAddress'),
      namespace: DEFAULT_NAMESPACE,
      taskQueue: `e2e-python-control-${randomBytes(4).toString('hex')}`,
      reporting: 'callback',
      workflowBundle: workflowBundle(),
      pollIntervalMs: 100,
    });
  });
  afterAll(() => stack?.stop());

  it('starts when the run calls POST /start, then reports its completion', async () => {
    const spec = sampleJob(`python-control-${randomBytes(3).toString('hex')}`, SAMPLES[0].image);
    const job = await submitSpec(stack.jobs, {
      ...spec,
      env: { ...spec.env, CONTROL_PORT: '8080' },
      instances: 1,
      ports: [8080],
      control: { port: 8080, startPath: '/start', progressPath: '/progress' },
    });
    const summary = await stack.jobs.result(job.ref);
    expect(summary.outcome).toBe('Completed');
    const { result } = await stack.jobs.getRun(job.ref, 0);
    expect(result).toMatchObject({ status: 'Succeeded', exitCode: 0, message: 'all steps done' });
    expect(result?.logTail).toContain('waiting for POST /start');
    expect(stack.emulator!.groups()).toEqual([]);
  });
});
