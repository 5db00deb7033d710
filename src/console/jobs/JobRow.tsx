/**
 * One job of the list, with its live status. A running or waiting job is asked again at the poll's pace; an
 * ended job's answer never changes, so it is asked once per session and kept.
 */
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import { jobPath } from '../api/client';
import type { JobAnswer, JobListItem } from '../api/types';
import { isJobOpen } from '../../shared/statuses';
import { usePoll } from '../live/use-poll';
import { ago, span, usd } from '../ui/format';
import { PhaseCounts } from '../ui/PhaseCounts';
import { Progress } from '../ui/Progress';
import { StatusBadge } from '../ui/StatusBadge';
import { jobCounts, jobPercent } from './job-counts';

const ended = new Map<string, JobAnswer>();

export function JobRow({ item }: { item: JobListItem }) {
  const { api, tenant } = useConsole();
  const cacheKey = `${tenant}/${item.jobId}`;
  const job = usePoll(
    async (signal) => {
      const known = ended.get(cacheKey);
      if (known) return known;
      const answer = await api.get<JobAnswer>(jobPath(item.jobId), signal);
      if (!isJobOpen(answer.state)) ended.set(cacheKey, answer);
      return answer;
    },
    cacheKey,
    { minMs: 2000, maxMs: 20_000, done: (answer) => !isJobOpen(answer.state) },
  );
  const view = job.data;
  const waitsFor = view?.state === 'Waiting' ? view.status?.dependsOn?.jobs : undefined;
  const state = view?.state ?? item.status;
  const percent = view && jobPercent(view);
  return (
    <tr data-job-id={item.jobId}>
      <th scope="row" data-label="Job">
        <a href={hrefOf({ page: 'job', jobId: item.jobId })}>{item.jobId}</a>
        {item.memo?.image && <span className="sub">{item.memo.image}</span>}
      </th>
      <td data-label="Status">
        <StatusBadge state={state} />
      </td>
      <td data-label="Progress">
        {waitsFor ? (
          <span className="hint">waits for {waitsFor.join(', ')}</span>
        ) : percent === undefined ? (
          '—'
        ) : (
          <Progress percent={percent} label={`Progress of ${item.jobId}`} />
        )}
      </td>
      <td data-label="Instances">
        {view ? (
          <PhaseCounts counts={jobCounts(view)} label={`Instances of ${item.jobId} by phase`} />
        ) : (
          (item.memo?.instances ?? '—')
        )}
      </td>
      <td data-label="Cost">
        {view?.result ? usd(view.result.costUsd) : <span title="known when the job ends">—</span>}
      </td>
      <td data-label="Started">{ago(item.startedAt)}</td>
      <td data-label="Duration">{span(item.startedAt, item.closedAt)}</td>
    </tr>
  );
}
