/**
 * The tenant's jobs: running first, then ended ones, with live status, progress, counts by phase, cost and
 * age; filtered by status and start time, paged with the API's page tokens.
 */
import { useState } from 'react';
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import { navigate } from '../app/use-route';
import type { JobPage } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';
import { JobRow } from './JobRow';
import { listQuery, SINCE_FILTERS, STATUS_FILTERS } from './filters';

const PAGE_SIZE = 20;

export function JobsPage({ status, since }: { status?: string; since?: string }) {
  const { api, tenant } = useConsole();
  // the tokens of the pages before this one, to go back
  const [tokens, setTokens] = useState<Array<string | undefined>>([undefined]);
  const pageToken = tokens[tokens.length - 1];
  const list = usePoll(
    (signal) => api.get<JobPage>(listQuery({ status, since }, pageToken, PAGE_SIZE), signal),
    `${tenant}|${status ?? ''}|${since ?? ''}|${pageToken ?? ''}`,
    { minMs: 3000, maxMs: 30_000 },
  );
  const setFilter = (next: { status?: string; since?: string }) => {
    setTokens([undefined]);
    navigate({ page: 'jobs', status, since, ...next });
  };

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
      </form>
      <ErrorNote error={list.error} what="your jobs" />
      {list.loading && <p role="status">Loading jobs…</p>}
      {list.data && list.data.jobs.length === 0 && (
        <p className="empty" data-testid="no-jobs">
          No jobs {status || since ? 'match these filters' : 'yet'}.{' '}
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
