/**
 * The tenant's jobs: running first, then ended ones, with live status, progress, counts by phase, cost and
 * age; filtered by status, start time and (where the API offers schedules) the schedule that started them;
 * paged with the API's page tokens.
 */
import { useState } from 'react';
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import { navigate } from '../app/use-route';
import type { JobPage, ScheduleListItem } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';
import { JobRow } from './JobRow';
import { listQuery, SINCE_FILTERS, STATUS_FILTERS, type JobFilters } from './filters';

const PAGE_SIZE = 20;

export function JobsPage({ status, since, schedule }: JobFilters) {
  const { api, tenant, capabilities } = useConsole();
  // the tokens of the pages before this one, to go back; other filters (however set) start at the first page
  const filterKey = `${status ?? ''}|${since ?? ''}|${schedule ?? ''}`;
  const [paging, setPaging] = useState<{ filterKey: string; tokens: Array<string | undefined> }>({
    filterKey,
    tokens: [undefined],
  });
  const tokens = paging.filterKey === filterKey ? paging.tokens : [undefined];
  const setTokens = (next: Array<string | undefined>) => setPaging({ filterKey, tokens: next });
  const pageToken = tokens[tokens.length - 1];
  const list = usePoll(
    (signal) => api.get<JobPage>(listQuery({ status, since, schedule }, pageToken, PAGE_SIZE), signal),
    `${tenant}|${filterKey}|${pageToken ?? ''}`,
    { minMs: 3000, maxMs: 30_000 },
  );
  const setFilter = (next: JobFilters) => {
    navigate({ page: 'jobs', status, since, schedule, ...next });
  };
  const filtered = Boolean(status || since || schedule);

  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        <a className="button" href={hrefOf({ page: 'submit' })}>
          Submit a job
        </a>
      </div>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select
            value={status ?? ''}
            onChange={(event) => setFilter({ status: event.target.value || undefined })}
          >
            <option value="">Any status</option>
            {STATUS_FILTERS.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Started
          <select
            value={since ?? ''}
            onChange={(event) => setFilter({ since: event.target.value || undefined })}
          >
            <option value="">Any time</option>
            {SINCE_FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        {capabilities.schedules && (
          <ScheduleFilter value={schedule} onChange={(next) => setFilter({ schedule: next })} />
        )}
      </form>
      {schedule && (
        <p className="hint" data-testid="schedule-filter">
          The jobs schedule <strong>{schedule}</strong> started.{' '}
          <a href={hrefOf({ page: 'jobs', status, since })}>Show every job</a>
        </p>
      )}
      <ErrorNote error={list.error} what="your jobs" />
      {list.loading && <p role="status">Loading jobs…</p>}
      {list.data && list.data.jobs.length === 0 && (
        <p className="empty" data-testid="no-jobs">
          No jobs {filtered ? 'match these filters' : 'yet'}.{' '}
          <a href={hrefOf({ page: 'submit' })}>Submit one</a>.
        </p>
      )}
      {list.data && list.data.jobs.length > 0 && (
        <table className="jobs responsive">
          <caption className="visually-hidden">Your jobs, running ones first</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Instances</th>
              <th scope="col">Cost</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {list.data.jobs.map((job) => (
              <JobRow key={job.jobId} item={job} />
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages of jobs">
        <button type="button" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!list.data?.nextPageToken}
          onClick={() => setTokens([...tokens, list.data?.nextPageToken])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}

/** The schedules to filter by: the tenant's, read once, and the one the page shows (even if deleted since). */
function ScheduleFilter({ value, onChange }: { value?: string; onChange: (next?: string) => void }) {
  const { api, tenant } = useConsole();
  const list = usePoll(
    (signal) => api.get<{ schedules: ScheduleListItem[] }>('/v1/schedules', signal),
    `${tenant}/schedule-names`,
    { minMs: 5000, maxMs: 60_000, done: () => true },
  );
  const names = (list.data?.schedules ?? []).map((item) => item.name);
  if (value && !names.includes(value)) names.unshift(value);
  if (names.length === 0) return null;
  return (
    <label>
      Schedule
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value || undefined)}>
        <option value="">Any schedule, or none</option>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
