/**
 * An instance's log. Where the API archives logs (GET .../logs, issue 15) and the run has an archive, the whole
 * log of an attempt (the latest, or the one chosen) is read from it: while the instance runs, only what was
 * appended since the last read (`?offset=`), until the attempt's archive is sealed. Otherwise (no storage
 * account, a run that archived nothing) the tail the run kept in its result is shown once it ended, and while
 * it runs the console says where the live log is.
 */
import { useEffect, useRef, useState } from 'react';
import { useConsole } from '../app/context';
import { ApiProblem, jobPath } from '../api/client';
import type { AttemptLog, InstanceAnswer } from '../api/types';
import { nextInterval } from '../live/backoff';
import { ErrorNote } from '../ui/ErrorNote';
import {
  applyLogChunk,
  logChunkOf,
  logRequestQuery,
  nextLogRequest,
  NO_LOG,
  type FollowedLog,
} from './log-follow';

export function LogView({ jobId, index, answer }: { jobId: string; index: number; answer: InstanceAnswer }) {
  const { capabilities, storageMissing } = useConsole();
  const live = answer.state === 'Running' || answer.state === 'Waiting';
  const archived = answer.result?.logArchive?.attempts ?? [];
  const archive = capabilities.logArchive && !storageMissing && (live || archived.length > 0);
  return (
    <>
      <h3 id="log-title">Log</h3>
      {archive ? (
        <ArchivedLog key={`${jobId}/${index}`} jobId={jobId} index={index} live={live} archived={archived} />
      ) : answer.result ? (
        <>
          <p className="hint" data-testid="log-source">
            The last lines of the container&apos;s log, kept when the instance ended.
          </p>
          <LogText text={answer.result.logTail} />
        </>
      ) : (
        <p className="hint" data-testid="log-pending">
          {live
            ? `The instance is running. Its log's last lines are kept when it ends; to follow it live now, run: aci-batch logs ${jobId} --instance ${index}`
            : 'This instance kept no log.'}
        </p>
      )}
    </>
  );
}

function ArchivedLog({
  jobId,
  index,
  live,
  archived,
}: {
  jobId: string;
  index: number;
  live: boolean;
  /** the attempts a finished run's result lists */
  archived: AttemptLog[];
}) {
  const [choice, setChoice] = useState<number | 'latest'>('latest');
  const followed = useFollowedLog(jobId, index, choice, live);
  const { log } = followed;
  const attempts = [...new Set([...archived.map((entry) => entry.attempt), ...log.attempts])].sort(
    (a, b) => a - b,
  );
  const shown = archived.find((entry) => entry.attempt === log.attempt);

  if (followed.storageMissing) return null; // the view falls back to the tail
  return (
    <>
      {attempts.length > 1 && (
        <form className="filters" onSubmit={(event) => event.preventDefault()}>
          <label>
            Attempt
            <select
              value={String(choice)}
              onChange={(event) =>
                setChoice(event.target.value === 'latest' ? 'latest' : Number(event.target.value))
              }
            >
              <option value="latest">The latest{live ? ', as it runs' : ''}</option>
              {attempts.map((attempt) => (
                <option key={attempt} value={attempt}>
                  Attempt {attempt}
                </option>
              ))}
            </select>
          </label>
        </form>
      )}
      <p className="hint" data-testid="log-source">
        {log.attempt === undefined
          ? live
            ? 'No log archived yet: the run reads the container’s log at every monitor interval.'
            : 'Reading the archived log…'
          : [
              `The whole log of attempt ${log.attempt}${attempts.length > 1 ? ` of ${attempts.length}` : ''}, from the archive`,
              log.sealed ? 'complete' : live ? 'followed as it grows' : 'not sealed',
              shown && !shown.complete && (shown.problem ?? 'lines may be missing'),
            ]
              .filter(Boolean)
              .join('; ') + '.'}
      </p>
      <ErrorNote error={followed.error} what="the log" />
      {log.attempt !== undefined && <LogText text={log.text} attempt={log.attempt} />}
    </>
  );
}

interface Followed {
  log: FollowedLog;
  error?: ApiProblem;
  storageMissing: boolean;
}

/**
 * The chosen attempt's archived log, read whole once and then from where it stands, at the pace of the
 * console's backoff (fast while it grows), not while the tab is hidden, and no more once nothing can come.
 */
function useFollowedLog(jobId: string, index: number, choice: number | 'latest', live: boolean): Followed {
  const { api, markStorageMissing } = useConsole();
  const [state, setState] = useState<Followed>({ log: NO_LOG, storageMissing: false });
  // the log as read, kept across the effect's restarts (when the instance ends) but not a change of attempt
  const current = useRef<{ choice: number | 'latest'; log: FollowedLog }>({ choice, log: NO_LOG });

  useEffect(() => {
    if (current.current.choice !== choice) current.current = { choice, log: NO_LOG };
    const abort = new AbortController();
    const pace = { minMs: 1500, maxMs: 15_000 };
    let interval = pace.minMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let readSinceEnded = false;
    let stopped = false;
    setState((previous) => ({ ...previous, log: current.current.log }));

    const tick = async () => {
      timer = undefined;
      if (document.hidden) return;
      const request = nextLogRequest(current.current.log, choice, live, readSinceEnded);
      if (!request) {
        stopped = true;
        return;
      }
      let changed = false;
      let retryAfterSeconds: number | undefined;
      let failed = false;
      try {
        const response = await api.fetchRaw(
          `${jobPath(jobId, 'instances', index, 'logs')}${logRequestQuery(request)}`,
          abort.signal,
        );
        const chunk = logChunkOf(response.headers, await response.text());
        const before = current.current.log;
        const after = applyLogChunk(before, request, chunk);
        changed =
          after.text !== before.text || after.attempt !== before.attempt || after.sealed !== before.sealed;
        current.current = { choice, log: after };
        if (!live) readSinceEnded = true;
        setState({ log: after, storageMissing: false });
      } catch (error) {
        if (abort.signal.aborted) return;
        const problem =
          error instanceof ApiProblem ? error : new ApiProblem(0, 'Error', (error as Error).message);
        if (problem.code === 'StorageNotConfigured') {
          markStorageMissing();
          setState((previous) => ({ ...previous, storageMissing: true }));
          stopped = true;
          return;
        }
        if (problem.code === 'LogNotFound') {
          // nothing archived yet; once the instance ended, nothing will be
          setState((previous) => ({ ...previous, error: live ? undefined : problem }));
          if (!live) stopped = true;
        } else {
          setState((previous) => ({ ...previous, error: problem }));
          failed = true;
          retryAfterSeconds = problem.retryAfterSeconds;
          if (problem.status === 401 || problem.status === 403 || problem.status === 404) stopped = true;
        }
      }
      if (stopped || abort.signal.aborted) return;
      interval = nextInterval(
        interval,
        failed ? { kind: 'failed', retryAfterSeconds } : { kind: changed ? 'changed' : 'unchanged' },
        pace,
        Math.random(),
      );
      timer = setTimeout(() => void tick(), interval);
    };
    const onVisible = () => {
      if (!document.hidden && !timer && !stopped) {
        interval = pace.minMs;
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api, jobId, index, choice, live, markStorageMissing]);

  return state;
}

function LogText({ text, attempt }: { text: string; attempt?: number }) {
  return (
    <pre
      className="log"
      role="log"
      aria-labelledby="log-title"
      tabIndex={0}
      data-testid="instance-log"
      data-attempt={attempt}
    >
      {text || '(empty)'}
    </pre>
  );
}
