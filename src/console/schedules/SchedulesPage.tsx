/**
 * The tenant's schedules, where the API offers them (issue 18; the page and its link appear only then): each
 * with its state (and the note of its last pause or resume), its next run and its jobs (the jobs list filtered
 * by it: `GET /v1/jobs?schedule=<name>`), paused or resumed with an optional note, or triggered now.
 */
import { useState } from 'react';
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import type { ScheduleListItem } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ConfirmButton } from '../ui/ConfirmButton';
import { ErrorNote } from '../ui/ErrorNote';
import { when } from '../ui/format';
import { StatusBadge } from '../ui/StatusBadge';

export function SchedulesPage() {
  const { capabilities } = useConsole();
  if (capabilities.schedules) return <ScheduleList />;
  return (
    <section>
      <h1>Schedules</h1>
      <p>This API does not offer schedules.</p>
    </section>
  );
}

function ScheduleList() {
  const { api, tenant } = useConsole();
  const list = usePoll(
    (signal) => api.get<{ schedules: ScheduleListItem[] }>('/v1/schedules', signal),
    `${tenant}/schedules`,
    { minMs: 5000, maxMs: 60_000 },
  );
  const [done, setDone] = useState<{ name: string; what: string }>();
  const act = async (name: string, action: ScheduleAction, note?: string) => {
    const body = action === 'trigger' ? {} : note?.trim() ? { note: note.trim() } : {};
    await api.post(`/v1/schedules/${encodeURIComponent(name)}/${action}`, body);
    setDone({ name, what: DONE[action] });
    list.refresh();
  };
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <ErrorNote error={list.error} what="your schedules" />
      {done && (
        <p className="ok" role="status" data-testid="schedule-done">
          Schedule {done.name} {done.what}.{' '}
          <a href={hrefOf({ page: 'jobs', schedule: done.name })}>See its jobs</a>
        </p>
      )}
      {list.data?.schedules.length === 0 && <p className="empty">No schedules.</p>}
      {list.data && list.data.schedules.length > 0 && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">State</th>
              <th scope="col">Next run</th>
              <th scope="col">Jobs</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.schedules.map((schedule) => (
              <ScheduleRow key={schedule.name} schedule={schedule} act={act} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type ScheduleAction = 'pause' | 'resume' | 'trigger';

const DONE: Record<ScheduleAction, string> = {
  pause: 'is paused',
  resume: 'is resumed',
  trigger: 'was triggered: its job starts now (it shows in its jobs within seconds)',
};

function ScheduleRow({
  schedule,
  act,
}: {
  schedule: ScheduleListItem;
  act: (name: string, action: ScheduleAction, note?: string) => Promise<void>;
}) {
  const [note, setNote] = useState('');
  const { name, paused } = schedule;
  const noteId = `note-${name}`;
  return (
    <tr data-schedule={name}>
      <th scope="row" data-label="Schedule">
        {name}
      </th>
      <td data-label="State" data-testid="schedule-state">
        <StatusBadge state={paused ? 'Paused' : 'Active'} />
        {schedule.note && <span className="sub">{schedule.note}</span>}
      </td>
      <td data-label="Next run">{paused ? '—' : when(schedule.nextRuns[0])}</td>
      <td data-label="Jobs">
        <a href={hrefOf({ page: 'jobs', schedule: name })}>Its jobs</a>
        {schedule.lastJobId && (
          <span className="sub">
            latest: <a href={hrefOf({ page: 'job', jobId: schedule.lastJobId })}>{schedule.lastJobId}</a>
          </span>
        )}
      </td>
      <td data-label="Actions">
        <div className="actions">
          <ConfirmButton
            label={paused ? `Resume ${name}` : `Pause ${name}`}
            title={`${paused ? 'Resume' : 'Pause'} schedule ${name}?`}
            confirmLabel={paused ? 'Resume' : 'Pause'}
            onConfirm={async () => {
              await act(name, paused ? 'resume' : 'pause', note);
              setNote('');
            }}
          >
            <p>
              {paused
                ? 'It starts jobs again at its next time.'
                : 'It starts no job until it is resumed (triggering it still runs its job); running jobs go on.'}
            </p>
            <p className="dialog-field">
              <label htmlFor={noteId}>Note (optional)</label>
              <input
                id={noteId}
                type="text"
                maxLength={1000}
                value={note}
                placeholder={paused ? 'why it runs again' : 'why it is paused'}
                onChange={(event) => setNote(event.target.value)}
              />
            </p>
          </ConfirmButton>
          <ConfirmButton
            label={`Trigger ${name} now`}
            title={`Run schedule ${name} now?`}
            confirmLabel="Run now"
            onConfirm={() => act(name, 'trigger')}
          >
            <p>
              Its job starts now{paused ? ', though the schedule is paused' : ''}, under its overlap policy.
            </p>
          </ConfirmButton>
        </div>
      </td>
    </tr>
  );
}
