/** A job's instance counts by phase, from its live status or, once it ended, its summary. Pure. */
import type { JobAnswer } from '../api/types';
import type { Phase } from '../ui/phases';

export function jobCounts(job: JobAnswer): Array<{ phase: Phase; count: number }> {
  const counts: Array<{ phase: Phase; count: number }> = [];
  if (job.status) {
    const { counts: c } = job.status;
    counts.push(
      { phase: 'Pending', count: c.pending },
      { phase: 'Queued', count: c.queued ?? 0 },
      { phase: 'Running', count: c.running },
      { phase: 'Succeeded', count: c.Succeeded },
      { phase: 'Failed', count: c.Failed },
      { phase: 'TimedOut', count: c.TimedOut },
      { phase: 'Cancelled', count: c.Cancelled },
    );
  } else if (job.result) {
    const r = job.result;
    const ran = r.succeeded + r.failed + r.timedOut + r.cancelled;
    counts.push(
      { phase: 'Succeeded', count: r.succeeded },
      { phase: 'Failed', count: r.failed },
      { phase: 'TimedOut', count: r.timedOut },
      { phase: 'Cancelled', count: r.cancelled },
      { phase: 'NotStarted', count: Math.max(0, r.total - ran) },
    );
  }
  return counts.filter((entry) => entry.count > 0);
}

/** The job's progress: the live percent, 100 once it completed; none for a job that ended otherwise. */
export function jobPercent(job: JobAnswer): number | undefined {
  if (job.status) return job.status.percent;
  return job.state === 'Completed' ? 100 : undefined;
}

/** The instances a rerun would run: failed, timed out or cancelled (ignored failures count as done). */
export function rerunCount(job: JobAnswer): number {
  const result = job.result;
  return result ? result.failed + result.timedOut + result.cancelled : 0;
}
