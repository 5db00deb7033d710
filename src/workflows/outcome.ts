/**
 * What an attempt's outcome means for the run (its verdict), and what the job's policies say to do next.
 * Pure functions: the run's decisions can be read, and tested, apart from the waiting.
 */
import { durationMs } from '../shared/duration';
import type { JobSpec } from '../shared/job-spec';
import type { RunStatus } from '../shared/messages';
import { runStatusOfReport } from '../shared/statuses';
import type { AttemptOutcome } from './attempt-wait';
import { capMessage, capResult } from './history-limits';

export interface Verdict {
  status: Exclude<RunStatus, 'Cancelled'>;
  exitCode?: number;
  message?: string;
  result?: unknown;
}

/** An outcome that settles the attempt (history to continue in, and Spot evictions, are handled first). */
export type SettledOutcome = Exclude<AttemptOutcome, { kind: 'historyFull' } | { kind: 'evicted' }>;

export function verdictOf(outcome: SettledOutcome, timeLimit: JobSpec['timeLimit']): Verdict {
  switch (outcome.kind) {
    case 'reported': {
      const { report } = outcome;
      const { result, dropped } = capResult(report.result);
      return {
        status: runStatusOfReport(report.status),
        exitCode: report.exitCode,
        message: capMessage([report.message, dropped].filter(Boolean).join('; ') || undefined),
        result,
      };
    }
    case 'exited': {
      const detail = outcome.detail ? ` (${outcome.detail})` : '';
      return outcome.exitCode === 0
        ? { status: 'Succeeded', exitCode: 0, message: 'the container exited with code 0 without reporting' }
        : {
            status: 'Failed',
            exitCode: outcome.exitCode,
            message: capMessage(
              `the container exited with code ${outcome.exitCode ?? 'unknown'} without reporting${detail}`,
            ),
          };
    }
    case 'lost':
      return { status: 'Failed', message: capMessage(outcome.reason) };
    case 'timedOut':
      return { status: 'TimedOut', message: `no report within the time limit of ${timeLimit}` };
  }
}

export type NextStep =
  | { action: 'restart'; backoffMs: number }
  /** end the run: delete the group, or stop it and keep it for inspection */
  | { action: 'finish'; keepGroup: boolean };

/** The job's policies applied to an attempt's verdict; `attempt` is 1 for the first try. */
export function nextStep(
  verdict: Verdict,
  policies: Pick<JobSpec, 'onSuccess' | 'onFailure'>,
  attempt: number,
): NextStep {
  if (verdict.status === 'Succeeded') return { action: 'finish', keepGroup: policies.onSuccess === 'stop' };
  // a run out of time is over: nothing is kept running, or billing, past its limit
  if (verdict.status === 'TimedOut') return { action: 'finish', keepGroup: false };
  const policy = policies.onFailure;
  switch (policy.action) {
    case 'restart':
      return attempt <= policy.maxRestarts
        ? { action: 'restart', backoffMs: durationMs(policy.backoff) }
        : { action: 'finish', keepGroup: policy.exhausted === 'stop' };
    case 'stop':
      return { action: 'finish', keepGroup: true };
    case 'delete':
      return { action: 'finish', keepGroup: false };
  }
}
