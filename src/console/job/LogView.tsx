/**
 * An instance's log. Where the API archives logs (GET .../logs, issue 15) the whole log is read from the
 * archive, again and again while the instance runs; otherwise the tail the run kept in its result is shown once
 * it ended (the spec's logTailLines), and while it runs the console says where the live log is.
 */
import { useConsole } from '../app/context';
import { jobPath } from '../api/client';
import type { InstanceAnswer } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';

export function LogView({ jobId, index, answer }: { jobId: string; index: number; answer: InstanceAnswer }) {
  const { capabilities } = useConsole();
  const running = answer.state === 'Running';
  return (
    <>
      <h3 id="log-title">Log</h3>
      {capabilities.logArchive ? (
        <ArchivedLog jobId={jobId} index={index} running={running} />
      ) : answer.result ? (
        <>
          <p className="hint">The last lines of the container&apos;s log, kept when the instance ended.</p>
          <LogText text={answer.result.logTail} />
        </>
      ) : (
        <p className="hint" data-testid="log-pending">
          {running
            ? `The instance is running. Its log's last lines are kept when it ends; to follow it live now, run: aci-batch logs ${jobId} --instance ${index}`
            : 'This instance kept no log.'}
        </p>
      )}
    </>
  );
}

function ArchivedLog({ jobId, index, running }: { jobId: string; index: number; running: boolean }) {
  const { api } = useConsole();
  const log = usePoll(
    async (signal) => (await api.fetchRaw(jobPath(jobId, 'instances', index, 'logs'), signal)).text(),
    `${jobId}/${index}/${running}`,
    { minMs: 2000, maxMs: 15_000, done: () => !running },
  );
  if (log.error?.status === 404) return <p className="hint">No log archived yet.</p>;
  return (
    <>
      <ErrorNote error={log.error} what="the log" />
      {log.data !== undefined && <LogText text={log.data} />}
    </>
  );
}

function LogText({ text }: { text: string }) {
  return (
    <pre className="log" role="log" aria-labelledby="log-title" tabIndex={0} data-testid="instance-log">
      {text || '(empty)'}
    </pre>
  );
}
