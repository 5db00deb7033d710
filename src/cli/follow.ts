/**
 * Following a job to its end: its status drawn as progress (bars on a terminal, plain lines elsewhere) until
 * the workflow closes, then its outcome. Ctrl-C stops watching, not the job.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { getJobStatus, type JobOutcomeView } from '../client';
import type { JobStatus, JobSummary } from '../shared/messages';
import { createProgressView } from './progress-view';
import { isUnavailable } from './errors';
import { formatJobRef, type JobRef } from './job-ref';
import { lookUpJob } from './lookup';
import { note } from './output';

/** Failed status reads in a row before the problem is shown. */
const PATIENCE = 3;

export interface FollowOptions {
  intervalMs: number;
  /** stderr when stdout carries --json */
  stream: NodeJS.WriteStream;
}

export async function followJob(
  client: Client,
  ref: JobRef,
  options: FollowOptions,
): Promise<JobOutcomeView> {
  const view = createProgressView(options.stream);
  const onInterrupt = () => {
    view.stop();
    note(`\nStopped watching; the job keeps running. Cancel it with: aci-batch cancel ${formatJobRef(ref)}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  let failedReads = 0;
  try {
    for (;;) {
      const outcome = await lookUpJob(client, ref);
      if (outcome.workflowStatus !== 'RUNNING') {
        // the last reading ends every bar at its final state
        if (outcome.summary) view.update(finalStatus(outcome.summary));
        return outcome;
      }
      try {
        view.update(await getJobStatus(client, ref.tenant, ref.jobId));
        failedReads = 0;
      } catch (error) {
        if (isUnavailable(error)) throw error;
        // usually the job closed (or continued as new) between the two reads and the next round sees it;
        // a lasting problem (no worker answers the query) is said once, and watching goes on
        if (++failedReads === PATIENCE) note(`Cannot read the job's progress: ${(error as Error).message}`);
      }
      await sleep(options.intervalMs);
    }
  } finally {
    view.stop();
    process.off('SIGINT', onInterrupt);
  }
}

/** The summary as the status query answers at the very end (finished instances carry no percent). */
function finalStatus(summary: JobSummary): JobStatus {
  return {
    tenant: summary.tenant,
    jobId: summary.jobId,
    state: summary.outcome,
    total: summary.total,
    counts: {
      pending: 0,
      running: 0,
      Succeeded: summary.succeeded,
      Failed: summary.failed,
      TimedOut: summary.timedOut,
      Cancelled: summary.cancelled,
    },
    percent: 100,
    instances: summary.runs.map((run) => ({
      index: run.instanceIndex,
      phase: run.status,
      exitCode: run.exitCode,
    })),
  };
}
