/**
 * A tenant's cost per day (UTC) and its most expensive jobs, from the API's per-job costs. A job counts on the
 * day it started, as `aci-batch cost` counts it in the period it started in. Pure.
 */
import { roundUsd } from '../../shared/pricing';
import type { JobCost } from '../api/types';

export interface DayCost {
  /** YYYY-MM-DD, UTC */
  day: string;
  costUsd: number;
  billedSeconds: number;
  jobs: number;
}

const DAY_MS = 86_400_000;

/** Every day of the period, with nothing on the days without jobs (a chart shows the gaps). */
export function costByDay(jobs: JobCost[], since: string, until: string): DayCost[] {
  const first = Math.floor(Date.parse(since) / DAY_MS);
  const last = Math.floor((Date.parse(until) - 1) / DAY_MS);
  const days = new Map<number, DayCost>();
  for (let day = first; day <= last && days.size < 400; day++) {
    days.set(day, {
      day: new Date(day * DAY_MS).toISOString().slice(0, 10),
      costUsd: 0,
      billedSeconds: 0,
      jobs: 0,
    });
  }
  for (const job of jobs) {
    const entry = days.get(Math.floor(Date.parse(job.startedAt) / DAY_MS));
    if (!entry) continue;
    entry.costUsd = roundUsd(entry.costUsd + job.costUsd);
    entry.billedSeconds += job.billedSeconds;
    entry.jobs++;
  }
  return [...days.values()];
}

/** The `limit` most expensive jobs, most expensive first. */
export function topJobs(jobs: JobCost[], limit: number): JobCost[] {
  return [...jobs].sort((a, b) => b.costUsd - a.costUsd || a.jobId.localeCompare(b.jobId)).slice(0, limit);
}
