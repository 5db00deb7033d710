/**
 * A run's side of the log archive: while an attempt's container runs, every monitor tick appends what is new in
 * its log to the attempt's blob (one more ARM read per tick, within the monitor's read budget); before the
 * group is restarted, stopped or deleted, a last read appends the rest and seals the blob, bounded in time so
 * that archiving never holds a delete up for long. The run carries only the cursor (a few numbers and strings)
 * and the finished attempts' summaries; a failed or incomplete archive is reported in the run's result.
 */
import { CancellationScope, isCancellation, log } from '@temporalio/workflow';
import type { ContainerGroupRef } from '../shared/container-groups';
import {
  attemptLogBlob,
  EMPTY_CURSOR,
  type AttemptLog,
  type LogArchiveResult,
  type LogCursor,
  type RunStorageRef,
} from '../shared/storage';
import { archiveContainerLog, closeContainerLog } from './activities';
import { describeFailure } from './failures';

/** What continue-as-new carries. */
export interface ArchiveSnapshot {
  /** the logs container, once known */
  container?: string;
  /** the attempts whose blobs are sealed */
  attempts: AttemptLog[];
  /** the current attempt's cursor */
  attempt: number;
  cursor: LogCursor;
  /** this deployment keeps no archive (no storage account): the run stops asking */
  off?: boolean;
}

export class RunArchive {
  private container: string | undefined;
  private readonly attempts: AttemptLog[];
  private attempt: number;
  private cursor: LogCursor;
  private off: boolean;

  constructor(
    private readonly run: RunStorageRef,
    snapshot?: ArchiveSnapshot,
  ) {
    this.container = snapshot?.container;
    this.attempts = snapshot?.attempts ?? [];
    this.attempt = snapshot?.attempt ?? 1;
    this.cursor = snapshot?.cursor ?? EMPTY_CURSOR;
    this.off = snapshot?.off ?? false;
  }

  /** No storage account: nothing is archived (the run keeps only its log tail). */
  get disabled(): boolean {
    return this.off;
  }

  /** A monitor tick while the attempt's container works: append what is new. A failure waits for the next tick. */
  async tick(group: ContainerGroupRef, attempt: number): Promise<void> {
    if (this.off) return;
    this.begin(attempt);
    try {
      const read = await archiveContainerLog({ group, run: this.run, attempt, cursor: this.cursor });
      if (!read.configured) {
        this.off = true;
        return;
      }
      this.container = read.container;
      // a last read that ran meanwhile (a cancellation does not wait for a tick) may be further on
      if (attempt === this.attempt && !this.cursor.sealed && read.cursor.bytes >= this.cursor.bytes)
        this.cursor = read.cursor;
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('Could not archive the container log; trying again next tick', {
        groupName: group.name,
        attempt,
        error: String(error),
      });
    }
  }

  /**
   * The attempt's last read, then its blob sealed: before the group is restarted, stopped or deleted. Never
   * cancelled and bounded in time; a failure is recorded for the result. Returns the read's last `tailLines`
   * lines, or undefined when there is no archive and the read brought no tail (the caller reads it itself).
   */
  async close(group: ContainerGroupRef, attempt: number, tailLines: number): Promise<string | undefined> {
    if (this.off) return undefined;
    this.begin(attempt);
    if (this.attempts.some((done) => done.attempt === attempt)) return '';
    const blob = attemptLogBlob(this.run, attempt);
    let tail: string | undefined;
    let problem: string | undefined;
    try {
      const read = await CancellationScope.nonCancellable(() =>
        closeContainerLog({ group, run: this.run, attempt, cursor: this.cursor, final: { tailLines } }),
      );
      if (!read.configured) {
        this.off = true;
        return read.tail;
      }
      this.container = read.container;
      this.cursor = read.cursor;
      tail = read.tail ?? '';
      if (read.groupGone) problem = 'the container group was gone before its last lines could be read';
    } catch (error) {
      problem = `the last read of the log failed: ${describeFailure(error)}`;
      log.warn('Could not archive the end of the container log', {
        groupName: group.name,
        attempt,
        error: String(error),
      });
    }
    const { cursor } = this;
    if (!problem && cursor.gaps > 0) {
      problem = `lines may be missing at ${cursor.gaps} ${cursor.gaps === 1 ? 'place' : 'places'}: ACI no longer kept them when the log was read (it keeps 4 MB while a container runs, its last 1,000 lines or 16 KB once it has stopped)`;
    }
    if (!problem && !cursor.sealed) problem = 'the archive blob could not be sealed';
    this.attempts.push({
      attempt,
      blob,
      lines: cursor.lines,
      bytes: cursor.bytes,
      complete: problem === undefined,
      ...(problem && { problem }),
    });
    return tail;
  }

  snapshot(): ArchiveSnapshot {
    return {
      ...(this.container && { container: this.container }),
      attempts: [...this.attempts],
      attempt: this.attempt,
      cursor: this.cursor,
      ...(this.off && { off: true }),
    };
  }

  /** For the run's result: every closed attempt's archive; undefined when there is none. */
  result(): LogArchiveResult | undefined {
    if (this.off || this.attempts.length === 0) return undefined;
    return {
      // unknown only when no read of the run ever succeeded (the attempts then say why)
      ...(this.container && { container: this.container }),
      attempts: [...this.attempts],
      complete: this.attempts.every((attempt) => attempt.complete),
    };
  }

  /** A new attempt starts with a fresh cursor (its container's log starts empty). */
  private begin(attempt: number): void {
    if (attempt === this.attempt) return;
    this.attempt = attempt;
    this.cursor = EMPTY_CURSOR;
  }
}
