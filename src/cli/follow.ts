/**
 * Following a job to its end: its status drawn as progress (bars on a terminal, plain lines elsewhere) until
 * the workflow closes, then its outcome. Ctrl-C stops watching, not the job.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobClient, JobView } from '../client';
import type { JobStatus, JobSummary } from '../shared/messages';
import { runOutlines } from '../shared/run-records';
import { isJobOpen } from '../shared/statuses';
import { createProgressView } from './progress-view';
import { formatJobRef, type JobRef } from './job-ref';
import { note } from './output';

/** Failed status reads in a row before the problem is shown. */
const PATIENCE = 3;

export interface FollowOptions {
  intervalMs: number;
  /** stderr when stdout carries --json */
  stream: NodeJS.WriteStream;
}

export async function followJob(jobs: JobClient, ref: JobRef, options: FollowOptions): Promise<JobView> {
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
      const job = await jobs.get(ref);
      if (!isJobOpen(job.state)) {
        // the last reading ends every bar at its final state
        if (job.summary) view.update(finalStatus(job.summary));
        return job;
      }
      if (job.status) {
        view.update(job.status);
        failedReads = 0;
      } else if (++failedReads === PATIENCE) {
        // usually the job continued as new between two reads and the next round sees it; a lasting problem
        // (no worker answers the query) is said once, and watching goes on
        note(`Cannot read the job's progress: no worker answers its status query.`);
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
      queued: 0,
      running: 0,
      Succeeded: summary.succeeded,
      Failed: summary.failed,
      TimedOut: summary.timedOut,
      Cancelled: summary.cancelled,
    },
    percent: 100,
    // a paged summary's records have each instance's status and exit code
    instances: runOutlines(summary).map((run) => ({
      index: run.instanceIndex,
      phase: run.status,
      exitCode: run.exitCode,
    })),
  };
}
