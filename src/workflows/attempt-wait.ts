/**
 * Waiting for one attempt's outcome: the container's report, within a deterministic time limit, while the
 * monitor watches the group. Whatever comes first wins; the monitor is cancelled once the wait is over.
 */
import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { CompletionReport } from '../shared/messages';
import type { Observation } from './monitor';
import type { RunState } from './run-state';

/** After the monitor sees the container exit, how long a report still in flight may take to win. */
export const EXIT_REPORT_GRACE_MS = 15_000;

export type AttemptOutcome =
  | { kind: 'reported'; report: CompletionReport }
  | Observation
  | { kind: 'timedOut' }
  /** history grew large: continue as new, then wait on */
  | { kind: 'historyFull' };

export async function awaitAttemptOutcome(
  run: RunState,
  deadlineMs: number,
  watch: () => Promise<Observation>,
): Promise<AttemptOutcome> {
  // the report came before the wait (a fast container): no monitor, no timer
  if (run.completion) return { kind: 'reported', report: run.completion };
  let observation: Observation | undefined;
  const monitor = new CancellationScope();
  const watching = monitor.run(watch).then(
    (seen) => void (observation = seen),
    (error: unknown) => {
      if (!isCancellation(error)) throw error;
    },
  );
  const historyFull = () => workflowInfo().continueAsNewSuggested;
  const settled = await condition(
    () => run.completion !== undefined || observation !== undefined || historyFull(),
    Math.max(deadlineMs - Date.now(), 1),
  );
  monitor.cancel();
  await watching;

  const report = () => run.completion && { kind: 'reported' as const, report: run.completion };
  if (observation?.kind === 'exited') {
    // a container usually reports just before it exits: let its report (message, result) win
    await condition(() => run.completion !== undefined, EXIT_REPORT_GRACE_MS);
    return report() ?? observation;
  }
  return report() ?? observation ?? (settled ? { kind: 'historyFull' } : { kind: 'timedOut' });
}
