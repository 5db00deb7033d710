/**
 * The tenant's schedules, where the API offers them (issue 18; the page and its link appear only then): each
 * with its state and next run, paused or resumed with a note, or triggered now.
 */
import { useConsole } from '../app/context';
import { hrefOf } from '../app/routes';
import type { ScheduleListItem } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ConfirmButton } from '../ui/ConfirmButton';
import { ErrorNote } from '../ui/ErrorNote';
import { when } from '../ui/format';

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
  const act = async (name: string, action: 'pause' | 'resume' | 'trigger') => {
    await api.post(`/v1/schedules/${encodeURIComponent(name)}/${action}`, {});
    list.refresh();
  };
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <ErrorNote error={list.error} what="your schedules" />
      {list.data?.schedules.length === 0 && <p className="empty">No schedules.</p>}
      {list.data && list.data.schedules.length > 0 && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">State</th>
              <th scope="col">Next run</th>
              <th scope="col">Latest job</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.schedules.map((schedule) => (
              <tr key={schedule.name}>
                <th scope="row" data-label="Schedule">
                  {schedule.name}
                </th>
                <td data-label="State">
                  {schedule.paused ? 'Paused' : 'Active'}
                  {schedule.note && <span className="sub"> {schedule.note}</span>}
                </td>
                <td data-label="Next run">{schedule.paused ? '—' : when(schedule.nextRuns[0])}</td>
                <td data-label="Latest job">
                  {schedule.lastJobId ? (
                    <a href={hrefOf({ page: 'job', jobId: schedule.lastJobId })}>{schedule.lastJobId}</a>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Actions" className="actions">
                  <ConfirmButton
                    label={schedule.paused ? `Resume ${schedule.name}` : `Pause ${schedule.name}`}
                    title={`${schedule.paused ? 'Resume' : 'Pause'} schedule ${schedule.name}?`}
                    confirmLabel={schedule.paused ? 'Resume' : 'Pause'}
                    onConfirm={() => act(schedule.name, schedule.paused ? 'resume' : 'pause')}
                  >
                    <p>
                      {schedule.paused
                        ? 'It starts jobs again at its next time.'
                        : 'It starts no job until it is resumed; running jobs go on.'}
                    </p>
                  </ConfirmButton>
                  <ConfirmButton
                    label={`Trigger ${schedule.name} now`}
                    title={`Run schedule ${schedule.name} now?`}
                    confirmLabel="Run now"
                    onConfirm={() => act(schedule.name, 'trigger')}
                  >
                    <p>Its job starts now, under the schedule&apos;s overlap policy.</p>
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
