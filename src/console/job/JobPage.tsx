/**
 * One job: its state and live progress (while it waits for the jobs it depends on, which ones), its instances
 * as a grid coloured by phase (with the queue where it waits for capacity), one instance's details, where it
 * came from (its schedule, the job it reruns) and its reruns, and the cancel and rerun actions.
 */
import { useMemo } from 'react';
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import { navigate } from '../app/use-route';
import { jobPath } from '../api/client';
import type { JobAnswer } from '../api/types';
import { isJobOpen } from '../../shared/statuses';
import { jobPercent } from '../jobs/job-counts';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';
import { seconds, span, usd, when } from '../ui/format';
import { PhaseCounts, phaseLabel } from '../ui/PhaseCounts';
import { countPhases, phaseOfCode } from '../ui/phases';
import { Progress } from '../ui/Progress';
import { StatusBadge } from '../ui/StatusBadge';
import { InstanceGrid } from './InstanceGrid';
import { InstancePanel } from './InstancePanel';
import { indexAt, instanceCells, positionOf, queueSummary, type InstanceCells } from './instances';
import { JobActions } from './JobActions';

export function JobPage({ jobId, instance }: { jobId: string; instance?: number }) {
  const { api, tenant } = useConsole();
  const job = usePoll((signal) => api.get<JobAnswer>(jobPath(jobId), signal), `${tenant}/${jobId}`, {
    minMs: 1000,
    maxMs: 10_000,
    done: (answer) => !isJobOpen(answer.state),
  });
  const view = job.data;
  const cells = useMemo(() => view && instanceCells(view), [view]);
  const queue = cells && queueSummary(cells);

  if (job.error?.status === 404) {
    return (
      <section>
        <h1>No such job</h1>
        <p role="alert">
          Tenant {tenant} has no job <code>{jobId}</code>.{' '}
          <a href={hrefOf({ page: 'jobs' })}>See your jobs</a>.
        </p>
      </section>
    );
  }
  const describe = (position: number) => {
    if (!cells) return '';
    const phase = phaseOfCode(cells.codes[position] ?? 0);
    const percent = cells.percents.get(position);
    const queued = cells.queue.get(position);
    return [
      `Instance ${indexAt(cells, position)}: ${phaseLabel(phase)}`,
      percent !== undefined && `${percent}%`,
      queued &&
        `number ${queued.position} in the queue${queued.estimatedStartAt ? `, expected to start ${when(queued.estimatedStartAt)}` : ''}`,
    ]
      .filter(Boolean)
      .join(', ');
  };
  const percent = view && jobPercent(view);
  const summary = view?.result;
  const reason = view?.status?.reason ?? summary?.reason;
  const dependsOn = view?.state === 'Waiting' ? view.status?.dependsOn : undefined;

  return (
    <section aria-labelledby="job-title">
      <p className="crumbs">
        <a href={hrefOf({ page: 'jobs' })}>Jobs</a> / {jobId}
      </p>
      <div className="page-head">
        <h1 id="job-title">
          {jobId} {view && <StatusBadge state={view.state} />}
        </h1>
        {view && <JobActions job={view} onChanged={job.refresh} />}
      </div>
      <ErrorNote error={job.error} what={`job ${jobId}`} />
      {job.loading && <p role="status">Loading…</p>}
      {view && cells && (
        <>
          <dl className="facts wide" data-testid="job-facts">
            <dt>Progress</dt>
            <dd>
              {percent === undefined ? '—' : <Progress percent={percent} label={`Progress of ${jobId}`} />}
            </dd>
            <dt>Instances</dt>
            <dd>{cells.codes.length.toLocaleString()}</dd>
            {queue && queue.waiting > 0 && (
              <>
                <dt>Waiting for capacity</dt>
                <dd data-testid="queue">
                  {queue.waiting.toLocaleString()} queued
                  {queue.next &&
                    `; the first is number ${queue.next.position} in its pool's queue${queue.next.estimatedStartAt ? `, expected to start ${when(queue.next.estimatedStartAt)}` : ''}`}
                </dd>
              </>
            )}
            {dependsOn && (
              <>
                <dt>Waits for</dt>
                <dd data-testid="depends-on">
                  <JobLinks jobIds={dependsOn.jobs} />{' '}
                  {dependsOn.condition === 'AllFinished'
                    ? 'to end, however they end'
                    : 'to complete (it fails if one ends otherwise)'}
                  ; it starts nothing until then
                </dd>
              </>
            )}
            {reason && (
              <>
                <dt>{summary ? 'Why it ended' : 'Stopping because'}</dt>
                <dd data-testid="job-reason">{reason}</dd>
              </>
            )}
            {view.schedule && (
              <>
                <dt>Started by</dt>
                <dd data-testid="job-schedule">
                  schedule <a href={hrefOf({ page: 'jobs', schedule: view.schedule })}>{view.schedule}</a>
                </dd>
              </>
            )}
            {view.rerunOf && (
              <>
                <dt>Rerun of</dt>
                <dd data-testid="rerun-of">
                  <a href={hrefOf({ page: 'job', jobId: view.rerunOf })}>{view.rerunOf}</a>
                </dd>
              </>
            )}
            {view.reruns && view.reruns.length > 0 && (
              <>
                <dt>Reruns</dt>
                <dd>
                  <ul className="inline-list" data-testid="reruns">
                    {view.reruns.map((rerun) => (
                      <li key={rerun.jobId}>
                        <a href={hrefOf({ page: 'job', jobId: rerun.jobId })}>{rerun.jobId}</a>{' '}
                        <StatusBadge state={rerun.status} />
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            {summary && (
              <>
                <dt>Ran</dt>
                <dd>
                  {when(summary.startedAt)}, for {span(summary.startedAt, summary.finishedAt)}
                </dd>
                <dt>Billed</dt>
                <dd>{seconds(summary.billedSeconds)} of container time</dd>
                <dt>Cost</dt>
                <dd data-testid="job-cost">
                  {usd(summary.costUsd)}
                  {summary.spot &&
                    ` (Spot: ${usd(summary.spot.costUsd)}, ${summary.spot.evictions} evictions)`}
                </dd>
              </>
            )}
            {!summary && isJobOpen(view.state) && (
              <>
                <dt>Cost</dt>
                <dd>known when the job ends</dd>
              </>
            )}
          </dl>
          <h2 id="instances-title">Instances</h2>
          <PhaseCounts counts={countPhases(cells.codes)} label="Instances by phase" />
          <InstanceGrid
            codes={cells.codes}
            selected={instance === undefined ? undefined : positionOf(cells, instance)}
            onSelect={(position) => navigate({ page: 'job', jobId, instance: indexAt(cells, position) })}
            describe={describe}
            label={`Instances of job ${jobId}, coloured by phase`}
          />
          <InstancePicker
            key={instance ?? 0}
            cells={cells}
            jobId={jobId}
            current={instance ?? indexAt(cells, 0)}
          />
        </>
      )}
      {instance !== undefined && (
        <InstancePanel
          key={instance}
          jobId={jobId}
          index={instance}
          onClose={() => navigate({ page: 'job', jobId })}
        />
      )}
    </section>
  );
}

/** Links to jobs of this tenant, separated by commas. */
function JobLinks({ jobIds }: { jobIds: string[] }) {
  return (
    <>
      {jobIds.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <a href={hrefOf({ page: 'job', jobId: id })}>{id}</a>
        </span>
      ))}
    </>
  );
}

/**
 * Opening an instance by its number: the way in for a grid of thousands, and for keyboards. It starts at the
 * open instance (keyed by it, so it follows the grid). A rerun's instances keep their original numbers.
 */
function InstancePicker({ cells, jobId, current }: { cells: InstanceCells; jobId: string; current: number }) {
  const count = cells.codes.length;
  if (count === 0) return null;
  const first = indexAt(cells, 0);
  const last = indexAt(cells, count - 1);
  return (
    <form
      className="filters"
      onSubmit={(event) => {
        event.preventDefault();
        const value = Number(new FormData(event.currentTarget).get('instance'));
        if (positionOf(cells, value) !== undefined) navigate({ page: 'job', jobId, instance: value });
      }}
    >
      <label>
        Instance
        <input
          name="instance"
          type="number"
          min={first}
          max={last}
          defaultValue={current}
          inputMode="numeric"
        />
      </label>
      <button type="submit">Open</button>
    </form>
  );
}
