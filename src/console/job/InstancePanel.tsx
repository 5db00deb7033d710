/**
 * One instance: its live phase and progress while it runs (asked again until it ends; an instance of a job
 * that waits for its dependencies has not started yet, and is asked again until it does); once it ended, its
 * status, exit code, attempts, why it failed, where it ran (pool, region, Spot, warm start), what it cost, its
 * log (every attempt's, where archived) and what it produced.
 */
import { useConsole } from '../app/context';
import { jobPath } from '../api/client';
import type { InstanceAnswer, RunResult } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';
import { seconds, span, usd, when } from '../ui/format';
import { Progress } from '../ui/Progress';
import { LogView } from './LogView';
import { OutputsView } from './OutputsView';

export function InstancePanel({
  jobId,
  index,
  onClose,
}: {
  jobId: string;
  index: number;
  onClose: () => void;
}) {
  const { api } = useConsole();
  const instance = usePoll(
    (signal) => api.get<InstanceAnswer>(jobPath(jobId, 'instances', index), signal),
    `${jobId}/${index}`,
    { minMs: 1500, maxMs: 15_000, done: (answer) => !instanceOpen(answer) },
  );
  const answer = instance.data;
  const notStarted = instance.error?.status === 404;
  return (
    <section className="panel instance-panel" aria-labelledby="instance-title" data-testid="instance-panel">
      <div className="page-head">
        <h2 id="instance-title">Instance {index}</h2>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      {notStarted ? (
        <p role="status">Instance {index} has not started yet.</p>
      ) : (
        <ErrorNote error={instance.error} what={`instance ${index}`} />
      )}
      {answer?.progress && (
        <dl className="facts">
          <dt>Phase</dt>
          <dd data-testid="instance-phase">{answer.progress.phase}</dd>
          <dt>Attempt</dt>
          <dd>{answer.progress.attempt}</dd>
          <dt>Progress</dt>
          <dd>
            {answer.progress.percent === undefined ? (
              '—'
            ) : (
              <Progress percent={answer.progress.percent} label={`Progress of instance ${index}`} />
            )}
          </dd>
          <dt>Message</dt>
          <dd>{answer.progress.message ?? '—'}</dd>
          <dt>Container group</dt>
          <dd>
            <code>{answer.progress.groupName}</code>
          </dd>
        </dl>
      )}
      {answer?.result && <ResultFacts result={answer.result} />}
      {answer && !answer.progress && !answer.result && (
        <p role="status">
          {instanceOpen(answer) ? 'It is starting.' : `It ended ${answer.state} without a result.`}
        </p>
      )}
      {answer && <LogView jobId={jobId} index={index} answer={answer} />}
      {answer?.result?.result !== undefined && (
        <>
          <h3>Result</h3>
          <pre className="json">{JSON.stringify(answer.result.result, null, 2)}</pre>
        </>
      )}
      {answer && <OutputsView jobId={jobId} index={index} answer={answer} />}
    </section>
  );
}

/** The instance may still change: it runs (`Running`), or its job has not started it yet. */
function instanceOpen(answer: InstanceAnswer): boolean {
  return answer.state === 'Running' || answer.state === 'Waiting';
}

function ResultFacts({ result }: { result: RunResult }) {
  const where = [result.pool && `pool ${result.pool}`, result.region].filter(Boolean).join(', ');
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd data-testid="instance-phase">{result.status}</dd>
      <dt>Exit code</dt>
      <dd data-testid="instance-exit-code">{result.exitCode ?? '—'}</dd>
      {(result.reason || result.rule || result.ignored) && (
        <>
          <dt>Why</dt>
          <dd data-testid="instance-reason">
            {[
              result.reason && `reason ${result.reason}`,
              result.rule && `failurePolicy.rules[${result.rule.index}] says ${result.rule.action}`,
              result.ignored && 'ignored: it counts as done',
            ]
              .filter(Boolean)
              .join('; ')}
          </dd>
        </>
      )}
      {result.message && (
        <>
          <dt>Message</dt>
          <dd>{result.message}</dd>
        </>
      )}
      <dt>Attempts</dt>
      <dd>{result.attempts}</dd>
      <dt>Ran</dt>
      <dd>
        {when(result.startedAt)}, for {span(result.startedAt, result.finishedAt)}
      </dd>
      <dt>Where</dt>
      <dd>
        {where || 'the job’s region'}
        {result.spot !== undefined && `; ${result.spot ? 'Spot' : 'Regular'}`}
        {result.warm !== undefined && `; ${result.warm ? 'warm start from a standby pool' : 'cold start'}`}
        {result.evictions ? `; ${result.evictions} Spot eviction(s)` : ''}
      </dd>
      {result.queuedSeconds !== undefined && (
        <>
          <dt>Waited for capacity</dt>
          <dd>{seconds(result.queuedSeconds)}</dd>
        </>
      )}
      <dt>Billed</dt>
      <dd>{seconds(result.billedSeconds)} of container time</dd>
      <dt>Cost</dt>
      <dd data-testid="instance-cost">{usd(result.costUsd)}</dd>
      <dt>Container group</dt>
      <dd>
        <code>{result.groupName}</code>
        {result.keptGroup && ' (stopped and kept for inspection)'}
      </dd>
    </dl>
  );
}
