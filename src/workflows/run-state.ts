/**
 * One container run's live state (phase, attempt, the completion report it waits for, progress) and the
 * signal and query handlers that read and write it, so that the rules for accepting a report live in one place:
 *  - a duplicate report (same reportId) is ignored;
 *  - a report that arrives before the run waits for it is kept;
 *  - a report about another attempt, or an attempt-less one that arrives while the run restarts, is ignored,
 *    so a late report from before a restart never settles the next attempt.
 */
import { log, setHandler } from '@temporalio/workflow';
import {
  completionSignal,
  progressSignal,
  runProgressQuery,
  type CompletionReport,
  type ProgressReport,
  type RunPhase,
  type RunProgress,
} from '../shared/messages';

/** Enough to recognise re-sent reports; bounded because it is carried across continue-as-new. */
const REMEMBERED_REPORT_IDS = 50;

export interface ProgressNote {
  percent?: number;
  message?: string;
}

/** What continue-as-new carries over. */
export interface RunSnapshot {
  attempt: number;
  /** a report that arrived while the run was deciding to continue as new */
  completion?: CompletionReport;
  progress: ProgressNote;
  reportIds: string[];
}

export class RunState {
  phase: RunPhase;
  attempt: number;
  /** the current attempt's report, once it arrived */
  completion: CompletionReport | undefined;
  private progress: ProgressNote;
  private readonly reportIds: string[];

  constructor(
    readonly groupName: string,
    snapshot?: RunSnapshot,
  ) {
    this.phase = snapshot ? 'Running' : 'Creating';
    this.attempt = snapshot?.attempt ?? 1;
    this.completion = snapshot?.completion;
    this.progress = snapshot?.progress ?? {};
    this.reportIds = snapshot?.reportIds ?? [];
  }

  /** Call first thing in the workflow, so that signals sent before it started are delivered here. */
  listen(): void {
    setHandler(completionSignal, (report) => this.onCompletion(report));
    setHandler(progressSignal, (report) => this.onProgress(report));
    setHandler(runProgressQuery, () => this.view());
  }

  /** Forgets the failed attempt's report and progress; reports about the old attempt are ignored from now on. */
  beginRestart(): void {
    this.attempt++;
    this.phase = 'Restarting';
    this.completion = undefined;
    this.progress = {};
  }

  noteProgress(progress: ProgressNote): void {
    this.progress = { percent: progress.percent, message: progress.message };
  }

  snapshot(): RunSnapshot {
    return {
      attempt: this.attempt,
      completion: this.completion,
      progress: this.progress,
      reportIds: [...this.reportIds],
    };
  }

  private view(): RunProgress {
    return { phase: this.phase, attempt: this.attempt, groupName: this.groupName, ...this.progress };
  }

  private onCompletion(report: CompletionReport): void {
    if (!isCompletionReport(report)) {
      log.warn('Ignoring a malformed completion report', { groupName: this.groupName });
      return;
    }
    if (this.reportIds.includes(report.reportId)) return;
    this.reportIds.push(report.reportId);
    if (this.reportIds.length > REMEMBERED_REPORT_IDS) this.reportIds.shift();
    if (!this.isAboutCurrentAttempt(report.attempt)) {
      log.info('Ignoring a completion report about another attempt', {
        reportAttempt: report.attempt,
        attempt: this.attempt,
      });
      return;
    }
    this.completion ??= report;
  }

  private onProgress(report: ProgressReport): void {
    if (typeof report !== 'object' || report === null || !this.isAboutCurrentAttempt(report.attempt)) return;
    this.noteProgress(report);
  }

  private isAboutCurrentAttempt(attempt: unknown): boolean {
    return attempt === undefined ? this.phase !== 'Restarting' : attempt === this.attempt;
  }
}

/** Reports come from containers and the HTTP endpoint: check the shape instead of trusting the type. */
function isCompletionReport(value: unknown): value is CompletionReport {
  const report = value as Partial<CompletionReport> | null;
  return (
    typeof report === 'object' &&
    report !== null &&
    (report.status === 'Completed' || report.status === 'Failed') &&
    typeof report.reportId === 'string' &&
    report.reportId.length > 0
  );
}
