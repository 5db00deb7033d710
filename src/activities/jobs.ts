/**
 * Waiting for other jobs: a job with `dependsOn` waits, before it starts anything, until the jobs it names have
 * ended. One long activity per job, not a polling loop in the workflow: it waits on each dependency's result
 * (the client's long poll) and heartbeats meanwhile, so a lost worker is noticed within the heartbeat timeout
 * and the retry simply waits again (an ended job answers at once). It answers as soon as the condition is
 * decided: with AllSucceeded, at the first dependency that ends otherwise than Completed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isTemporalUnavailable, JobClient, JobNotFoundError, type JobView } from '../client';
import type { AwaitJobsInput, DependencyOutcome, JobActivities } from './types';

export interface JobActivityDeps {
  /** a client on the namespace the jobs live in */
  client: Client;
}

/** How often the waiting activity tells Temporal it is alive (its heartbeat timeout is a minute). */
const HEARTBEAT_EVERY_MS = 5_000;

export function createJobActivities(deps: JobActivityDeps): JobActivities {
  // only reads: no task queue or settings needed
  const jobs = new JobClient(deps.client, { taskQueue: '' });
  return {
    async awaitJobs(input: AwaitJobsInput): Promise<DependencyOutcome> {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      const decided = new AbortController();
      const abort = () => decided.abort();
      context.cancellationSignal.addEventListener('abort', abort);
      try {
        const ended: DependencyOutcome['jobs'] = [];
        let failure: string | undefined;
        await Promise.all(
          input.jobIds.map(async (jobId) => {
            const ref = { tenant: input.tenant, jobId };
            const end = await endOf(jobs, ref, decided.signal);
            if (!end) return; // decided without it (or cancelled)
            ended.push({ jobId, state: end.state });
            if (failure) return;
            if (end.state === 'Missing') {
              failure = `dependency ${input.tenant}/${jobId} does not exist`;
            } else if (input.condition === 'AllSucceeded' && end.state !== 'Completed') {
              failure = `dependency ${input.tenant}/${jobId} ended ${end.state}, and dependsOn.condition is AllSucceeded`;
            }
            if (failure) decided.abort();
          }),
        );
        // cancelled while waiting: the workflow's cancellation wins, whatever was decided
        context.cancellationSignal.throwIfAborted();
        return failure
          ? { satisfied: false, reason: failure, jobs: ended }
          : { satisfied: true, jobs: ended };
      } finally {
        clearInterval(heartbeat);
        context.cancellationSignal.removeEventListener('abort', abort);
      }
    },
  };
}

/** How the job ended, once it has; `Missing` when there is no such job; undefined when `signal` aborted. */
async function endOf(
  jobs: JobClient,
  ref: { tenant: string; jobId: string },
  signal: AbortSignal,
): Promise<{ state: JobView['state'] | 'Missing' } | undefined> {
  for (;;) {
    if (signal.aborted) return undefined;
    let view: JobView;
    try {
      view = await jobs.get(ref, { abortSignal: signal, liveProgress: false, reruns: false });
    } catch (error) {
      if (signal.aborted) return undefined;
      if (error instanceof JobNotFoundError) return { state: 'Missing' };
      throw error;
    }
    if (view.state !== 'Waiting' && view.state !== 'Running') return { state: view.state };
    try {
      // the client's long poll, following continue-as-new; a failed or terminated job answers with an error
      await jobs.result(ref, { abortSignal: signal });
    } catch (error) {
      if (signal.aborted) return undefined;
      if (isTemporalUnavailable(error)) throw error;
      // ended without a summary, or the wait was cut short: read how it ended, after a breath
      await sleep(1_000, undefined, { signal }).catch(() => undefined);
    }
  }
}
