/**
 * Jobs of the chaos scenarios: the sample batch job (examples/batch-job) with small work, what each run of a job
 * is expected to end with, bounded waits for results, run phases, and the judgement of results.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { JobClient, JobRef } from '../../src/client';
import type { JobSpecInput } from '../../src/shared/job-spec';
import {
  runProgressQuery,
  type JobSummary,
  type RunProgress,
  type RunStatus,
} from '../../src/shared/messages';
import { containerGroupName, runWorkflowId } from '../../src/shared/names';
import { submitSpec } from '../helpers/jobs';

export const CHAOS_TENANT = 'chaos';
export const SAMPLE_IMAGE = 'acibatch.azurecr.io/samples/batch-job:1';
/** An image whose container idles until killed, for scenarios where the test reports on its behalf. */
const IDLE_IMAGE = 'node:20';
const IDLE_COMMAND = ['node', '-e', 'setTimeout(() => {}, 600000)'];

/** What one run of a job must end with. */
export interface ExpectedRun {
  status: RunStatus;
  attempts: number;
  exitCode?: number;
  /** stopped and kept by the failure policy (default: deleted) */
  keptGroup?: boolean;
  message?: RegExp;
}

export interface ChaosJob {
  jobId: string;
  spec: JobSpecInput;
  /** by instance index */
  expected: ExpectedRun[];
}

export interface SampleJobOptions {
  /** one entry per instance: its own variables of the sample job (WORK_STEPS, FAIL_ON_ATTEMPTS, ...) */
  instances: Array<Record<string, string>>;
  /** variables of every instance */
  env?: Record<string, string>;
  monitorInterval?: string;
  onFailure?: JobSpecInput['onFailure'];
}

/** A job id unique to this test run: the dev server keeps closed jobs, and a job id is never run twice. */
export function uniqueJobId(label: string): string {
  return `${label}-${randomBytes(3).toString('hex')}`;
}

/**
 * The sample job with little work. The time limit is far beyond any scenario's deadline, so that only a report
 * or the monitor can end an attempt in time.
 */
export function sampleJobSpec(jobId: string, options: SampleJobOptions): JobSpecInput {
  return {
    tenant: CHAOS_TENANT,
    jobId,
    image: SAMPLE_IMAGE,
    cpu: 0.1,
    memoryGB: 0.1,
    env: { WORK_STEPS: '3', STEP_MS: '100', ...options.env },
    instances: options.instances.map((env) => ({ env })),
    monitorInterval: options.monitorInterval ?? '2s',
    timeLimit: '10m',
    onFailure: options.onFailure ?? { action: 'restart', maxRestarts: 2, backoff: '1s' },
    logTailLines: 5,
  };
}

/** A job whose containers idle until killed: the test reports on their behalf through the callback API. */
export function idleJobSpec(
  jobId: string,
  instances: number,
  onFailure: JobSpecInput['onFailure'],
): JobSpecInput {
  return {
    tenant: CHAOS_TENANT,
    jobId,
    image: IDLE_IMAGE,
    command: IDLE_COMMAND,
    cpu: 0.1,
    memoryGB: 0.1,
    instances,
    monitorInterval: '1s',
    timeLimit: '10m',
    onFailure,
    logTailLines: 0,
  };
}

export const succeeded = (attempts = 1): ExpectedRun => ({ status: 'Succeeded', attempts, exitCode: 0 });

export function runIds(job: ChaosJob): string[] {
  return job.expected.map((_, index) => runWorkflowId(CHAOS_TENANT, job.jobId, index));
}

export function groupNamesOf(job: ChaosJob): string[] {
  return job.expected.map((_, index) => containerGroupName(CHAOS_TENANT, job.jobId, index));
}

export function runCount(jobs: readonly ChaosJob[]): number {
  return jobs.reduce((sum, job) => sum + job.expected.length, 0);
}

/** A submitted job of a scenario, and the way to its summary. */
export interface StartedJob {
  ref: JobRef;
  result(): Promise<JobSummary>;
}

export function submitJobs(client: JobClient, jobs: readonly ChaosJob[]): Promise<StartedJob[]> {
  return Promise.all(
    jobs.map(async (job) => {
      const { ref } = await submitSpec(client, job.spec);
      return { ref, result: () => client.result(ref) };
    }),
  );
}

/** A job's outcome: its summary, or why there is none. */
export type Settled = { summary: JobSummary } | { error: string };

/**
 * Waits, at most `timeoutMs` in all, for every job's summary. Connection errors (the Temporal server is away)
 * are waited out; a job that has not finished by the deadline is reported, not waited for.
 */
export async function settleJobs(jobs: readonly StartedJob[], timeoutMs: number): Promise<Settled[]> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(jobs.map((job) => settleJob(job, deadline)));
}

async function settleJob(job: StartedJob, deadline: number): Promise<Settled> {
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const summary = await beforeDeadline(job.result(), deadline);
      if (summary === undefined) break;
      return { summary };
    } catch (error) {
      if (error instanceof WorkflowFailedError)
        return { error: `job ${job.ref.jobId} failed: ${error.message}` };
      lastError = error instanceof Error ? error.message : String(error);
      await sleep(500);
    }
  }
  return { error: `job ${job.ref.jobId} did not finish in time (last error: ${lastError})` };
}

/** The promise's value, or undefined once the deadline passes (the promise is then left to itself). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  promise.catch(() => undefined);
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(Math.max(deadline - Date.now(), 0), undefined, { signal: timeout.signal }),
    ]);
  } finally {
    timeout.abort();
  }
}

/** A run whose result is not the expected one, and how. */
export interface WrongResult {
  /** "<jobId>[<instance index>]" */
  run: string;
  problems: string[];
}

/** Every run of the job that ended other than expected; empty when all are right. */
export function judge(job: ChaosJob, settled: Settled): WrongResult[] {
  return job.expected.flatMap((expected, index) => {
    const run = `${job.jobId}[${index}]`;
    const problems = runProblems(expected, index, settled);
    return problems.length ? [{ run, problems }] : [];
  });
}

function runProblems(expected: ExpectedRun, index: number, settled: Settled): string[] {
  if ('error' in settled) return [settled.error];
  const actual = settled.summary.runs.find((candidate) => candidate.instanceIndex === index);
  if (!actual) return ['no result'];
  const wanted = { ...expected, keptGroup: expected.keptGroup ?? false };
  const problems = (['status', 'attempts', 'exitCode', 'keptGroup'] as const)
    .filter((key) => wanted[key] !== undefined && actual[key] !== wanted[key])
    .map((key) => `${key} ${actual[key]}, expected ${wanted[key]}`);
  if (expected.message && !expected.message.test(actual.message ?? '')) {
    problems.push(`message "${actual.message}" does not match ${expected.message}`);
  }
  return problems;
}

/** The run's live view (phase, attempt, progress), or undefined when it cannot answer now. */
export async function runProgress(
  client: Client,
  jobId: string,
  index: number,
): Promise<RunProgress | undefined> {
  try {
    return await client.workflow.getHandle(runWorkflowId(CHAOS_TENANT, jobId, index)).query(runProgressQuery);
  } catch {
    return undefined;
  }
}
