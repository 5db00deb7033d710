/**
 * What an attempt's outcome means for the run (its verdict), and what the job's policies say to do next.
 * Pure functions: the run's decisions can be read, and tested, apart from the waiting.
 */
import { durationMs } from '../shared/duration';
import type { FailureReason, FailureRule, JobSpec, RuleAction } from '../shared/job-spec';
import { RULE_DEFAULT_BACKOFF, RULE_DEFAULT_MAX_RESTARTS } from '../shared/job-model';
import type { RunStatus } from '../shared/messages';
import { runStatusOfReport } from '../shared/statuses';
import type { AttemptOutcome } from './attempt-wait';
import { capMessage, capResult } from './history-limits';

export interface Verdict {
  status: Exclude<RunStatus, 'Cancelled'>;
  exitCode?: number;
  message?: string;
  result?: unknown;
  /** why it failed or timed out (what failure rules match with onReason) */
  reason?: FailureReason;
}

/** An outcome that settles the attempt (history to continue in, and Spot evictions, are handled first). */
export type SettledOutcome = Exclude<AttemptOutcome, { kind: 'historyFull' } | { kind: 'evicted' }>;

export function verdictOf(outcome: SettledOutcome, timeLimit: JobSpec['timeLimit']): Verdict {
  switch (outcome.kind) {
    case 'reported': {
      const { report } = outcome;
      const { result, dropped } = capResult(report.result);
      const status = runStatusOfReport(report.status);
      return {
        status,
        exitCode: report.exitCode,
        message: capMessage([report.message, dropped].filter(Boolean).join('; ') || undefined),
        result,
        ...(status === 'Failed' && { reason: 'Reported' as const }),
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
            reason: 'Exited',
          };
    }
    case 'lost':
      return {
        status: 'Failed',
        message: capMessage(outcome.reason),
        reason: outcome.evicted ? 'Evicted' : 'Lost',
      };
    case 'timedOut':
      return {
        status: 'TimedOut',
        message: `no report within the time limit of ${timeLimit}`,
        reason: 'TimedOut',
      };
  }
}

/** The failure rule that decides a failed or timed-out verdict: the first that matches, with its place. */
export interface MatchedRule {
  index: number;
  action: RuleAction;
}

/**
 * The first rule whose conditions all hold: its exit codes (`In`: the exit code is listed; `NotIn`: there is
 * an exit code and it is not listed; a failure without an exit code matches neither) and its reason.
 */
export function matchRule(
  rules: readonly FailureRule[] | undefined,
  verdict: Verdict,
): MatchedRule | undefined {
  if (!rules || verdict.status === 'Succeeded') return undefined;
  const index = rules.findIndex((rule) => {
    if (rule.onReason !== undefined && rule.onReason !== verdict.reason) return false;
    if (rule.onExitCodes) {
      if (verdict.exitCode === undefined) return false;
      const listed = rule.onExitCodes.values.includes(verdict.exitCode);
      if (listed !== (rule.onExitCodes.operator === 'In')) return false;
    }
    return true;
  });
  return index < 0 ? undefined : { index, action: rules[index]!.action };
}

export type NextStep =
  | { action: 'restart'; backoffMs: number; rule?: MatchedRule }
  /** end the run: delete the group, or stop it and keep it for inspection; `rule` decided it */
  | { action: 'finish'; keepGroup: boolean; rule?: MatchedRule };

/**
 * The job's policies applied to an attempt's verdict; `attempt` is 1 for the first try. A failure rule that
 * matches decides first: RestartInstance restarts within onFailure's restart budget (or 2 restarts, 10 s apart,
 * when onFailure does not restart), the others end the run. Without a matching rule, onFailure decides.
 */
export function nextStep(
  verdict: Verdict,
  policies: Pick<JobSpec, 'onSuccess' | 'onFailure' | 'failurePolicy'>,
  attempt: number,
): NextStep {
  if (verdict.status === 'Succeeded') return { action: 'finish', keepGroup: policies.onSuccess === 'stop' };
  const policy = policies.onFailure;
  const rule = matchRule(policies.failurePolicy?.rules, verdict);
  if (rule) {
    if (rule.action !== 'RestartInstance')
      return { action: 'finish', keepGroup: keepsFailed(verdict, policy), rule };
    const [maxRestarts, backoff] =
      policy.action === 'restart'
        ? [policy.maxRestarts, policy.backoff]
        : [RULE_DEFAULT_MAX_RESTARTS, RULE_DEFAULT_BACKOFF];
    return attempt <= maxRestarts
      ? { action: 'restart', backoffMs: durationMs(backoff), rule }
      : { action: 'finish', keepGroup: keepsFailed(verdict, policy), rule };
  }
  // a run out of time is over: nothing is kept running, or billing, past its limit
  if (verdict.status === 'TimedOut') return { action: 'finish', keepGroup: false };
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

/** Whether onFailure keeps a failed run's group for inspection (never after a time-out). */
function keepsFailed(verdict: Verdict, policy: JobSpec['onFailure']): boolean {
  if (verdict.status === 'TimedOut') return false;
  return policy.action === 'stop' || (policy.action === 'restart' && policy.exhausted === 'stop');
}
