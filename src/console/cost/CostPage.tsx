/**
 * What the tenant's jobs cost over a chosen period: the totals, a chart per day and one per job, and the same
 * numbers in tables (the accessible form of the charts).
 */
import { useMemo } from 'react';
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import { navigate } from '../app/use-route';
import type { CostAnswer } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';
import { seconds, usd } from '../ui/format';
import { BarChart } from './BarChart';
import { costByDay, topJobs } from './by-day';

const PERIODS = [
  { value: '7d', label: 'Last 7 days', days: 7 },
  { value: '30d', label: 'Last 30 days', days: 30 },
  { value: '90d', label: 'Last 90 days', days: 90 },
] as const;
const TOP_JOBS = 15;

export function CostPage({ period }: { period?: string }) {
  const { api, tenant } = useConsole();
  const chosen = PERIODS.find((option) => option.value === period) ?? PERIODS[0];
  const cost = usePoll(
    (signal) => {
      const until = new Date();
      const since = new Date(until.getTime() - chosen.days * 86_400_000);
      const query = new URLSearchParams({ since: since.toISOString(), until: until.toISOString() });
      return api.get<CostAnswer>(`/v1/cost?${query.toString()}`, signal);
    },
    `${tenant}/${chosen.value}`,
    // jobs end and new ones start: cost changes slowly, so ask rarely
    { minMs: 30_000, maxMs: 300_000 },
  );
  const data = cost.data;
  const days = useMemo(() => (data ? costByDay(data.jobs, data.since, data.until) : []), [data]);
  const jobs = useMemo(() => (data ? topJobs(data.jobs, TOP_JOBS) : []), [data]);
  const dayLabels = useMemo(() => days.map((day) => day.day.slice(5)), [days]);
  const dayValues = useMemo(() => days.map((day) => day.costUsd), [days]);
  const jobLabels = useMemo(() => jobs.map((job) => job.jobId), [jobs]);
  const jobValues = useMemo(() => jobs.map((job) => job.costUsd), [jobs]);

  return (
    <section aria-labelledby="cost-title">
      <h1 id="cost-title">Cost</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Period
          <select
            value={chosen.value}
            onChange={(event) => navigate({ page: 'cost', period: event.target.value })}
          >
            {PERIODS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <p className="hint">
        Estimates: billed container-seconds (create to delete or stop) at the prices each job was submitted
        with. A job counts on the day it started (UTC).
      </p>
      <ErrorNote error={cost.error} what="the cost" />
      {cost.loading && <p role="status">Adding up…</p>}
      {data && (
        <>
          <dl className="totals" data-testid="cost-totals">
            <div>
              <dt>Total</dt>
              <dd data-testid="cost-total">{usd(data.costUsd)}</dd>
            </div>
            <div>
              <dt>Container time</dt>
              <dd>{seconds(data.billedSeconds)}</dd>
            </div>
            <div>
              <dt>Jobs priced</dt>
              <dd>{data.jobs.length}</dd>
            </div>
            <div>
              <dt>Still running</dt>
              <dd>{data.running.length}</dd>
            </div>
          </dl>
          {data.unpriced.length > 0 && (
            <p className="hint">
              {data.unpriced.length} job(s) ended without a summary; their cost is unknown.
            </p>
          )}
          <h2>Per day</h2>
          <BarChart
            labels={dayLabels}
            values={dayValues}
            valueLabel="Cost (USD)"
            description={`Cost per day over the ${chosen.label.toLowerCase()}: ${usd(data.costUsd)} in all`}
            formatValue={usd}
            testId="cost-per-day"
          />
          <details>
            <summary>Per day, as a table</summary>
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  <th scope="col">Jobs</th>
                  <th scope="col">Container time</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody>
                {days
                  .filter((day) => day.jobs > 0)
                  .map((day) => (
                    <tr key={day.day}>
                      <th scope="row" data-label="Day">
                        {day.day}
                      </th>
                      <td data-label="Jobs">{day.jobs}</td>
                      <td data-label="Container time">{seconds(day.billedSeconds)}</td>
                      <td data-label="Cost">{usd(day.costUsd)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </details>
          <h2>Per job</h2>
          {jobs.length === 0 ? (
            <p className="empty">No job ended in this period.</p>
          ) : (
            <>
              <BarChart
                labels={jobLabels}
                values={jobValues}
                valueLabel="Cost (USD)"
                description={`The ${jobs.length} most expensive jobs of the period`}
                formatValue={usd}
                horizontal
                testId="cost-per-job"
              />
              <table className="responsive" data-testid="cost-jobs">
                <thead>
                  <tr>
                    <th scope="col">Job</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Instances</th>
                    <th scope="col">Container time</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.map((job) => (
                    <tr key={job.jobId}>
                      <th scope="row" data-label="Job">
                        <a href={hrefOf({ page: 'job', jobId: job.jobId })}>{job.jobId}</a>
                      </th>
                      <td data-label="Outcome">{job.outcome}</td>
                      <td data-label="Instances">{job.instances}</td>
                      <td data-label="Container time">{seconds(job.billedSeconds)}</td>
                      <td data-label="Cost">{usd(job.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </section>
  );
}
