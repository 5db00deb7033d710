/**
 * A job's runs, compactly: what the job keeps of each finished instance once its summary no longer lists them
 * in full (a paged summary). A row of the summary (RunSummary) holds a message of up to 1,000 characters, the
 * group name and times: 10,000 of them pass Temporal's 2 MB payload limit, so a job with more than
 * SUMMARY_ROWS_MAX instances (or whose rows would pass SUMMARY_ROWS_BYTES) keeps one small tuple per instance
 * instead: enough for its status query, its policies and its summary's counts and cost. The full row comes from
 * the run itself (each instance is a `containerRun` workflow whose result holds it) or, for an instance that
 * never started or was cancelled or failed before it returned, from the tuple and the summary
 * (`rowFromRecord`). Pure: the job workflow, the client, the CLI and the console use it.
 */
import type { JobSummary, RunStatus, RunSummary } from './messages';

/** A summary lists at most this many rows (`runs`); a job with more instances has a paged summary. */
export const SUMMARY_ROWS_MAX = 1000;
/**
 * Nor more than this many bytes of rows (UTF-8 JSON): a message of 1,000 characters outside ASCII takes up to
 * 3,000 bytes, and the rows travel in the job's continue-as-new input and its result, each under 2 MB.
 */
export const SUMMARY_ROWS_BYTES = 1_536 * 1024;

/** Where an instance's full row comes from. */
export type RowSource =
  /** its run's result (the `containerRun` workflow's) */
  | 'result'
  /** the job never started it (cancelled, stopped by its policies, or a dependency failed first) */
  | 'never-started'
  /** its run was cancelled before it returned a result */
  | 'cancelled'
  /** its run failed (or was terminated) without a result: the run's failure says why */
  | 'failed';

const SOURCES: readonly RowSource[] = ['result', 'never-started', 'cancelled', 'failed'];
const IGNORED = 1;
/** the job's policies stopped it: its message names the job's reason (the summary's `reason`) */
const STOPPED = 2;
const SOURCE_SHIFT = 2;

/** What only some records need. */
export interface CompactRunExtra {
  spotSeconds?: number;
  evictions?: number;
  /** a run that did not return a result: when the job started it and saw it end (ms since the epoch) */
  startedAtMs?: number;
  finishedAtMs?: number;
}

/**
 * One finished instance: [index, status, exit code (null: none), billed seconds, cost in USD, flags (ignored,
 * stopped by the job's policies, row source), and what only some need]. About 35 bytes of JSON.
 */
export type CompactRun =
  | [number, RunStatus, number | null, number, number, number]
  | [number, RunStatus, number | null, number, number, number, CompactRunExtra];

/** What a record says, by name: enough for counts, cost, the status query, reruns and the instance grid. */
export interface RunOutline {
  instanceIndex: number;
  status: RunStatus;
  exitCode?: number;
  ignored?: boolean;
  billedSeconds: number;
  costUsd: number;
  spotSeconds?: number;
  evictions?: number;
}

export interface ReadRecord extends RunOutline {
  source: RowSource;
  /** the job's policies stopped it */
  stopped: boolean;
  startedAtMs?: number;
  finishedAtMs?: number;
}

/** The record of a finished instance's row. `stopped`: the job's policies cancelled it (or never started it). */
export function compactRun(run: RunSummary, source: RowSource, stopped = false): CompactRun {
  const flags =
    (run.ignored ? IGNORED : 0) | (stopped ? STOPPED : 0) | (SOURCES.indexOf(source) << SOURCE_SHIFT);
  const extra: CompactRunExtra = {
    ...(run.spotSeconds && { spotSeconds: run.spotSeconds }),
    ...(run.evictions && { evictions: run.evictions }),
    ...((source === 'cancelled' || source === 'failed') && {
      startedAtMs: Date.parse(run.startedAt),
      finishedAtMs: Date.parse(run.finishedAt),
    }),
  };
  const record: CompactRun = [
    run.instanceIndex,
    run.status,
    run.exitCode ?? null,
    run.billedSeconds,
    run.costUsd,
    flags,
  ];
  return Object.keys(extra).length ? [...record, extra] : record;
}

export function readRecord(record: CompactRun): ReadRecord {
  const [instanceIndex, status, exitCode, billedSeconds, costUsd, flags] = record;
  const extra = record[6] ?? {};
  return {
    instanceIndex,
    status,
    ...(exitCode !== null && { exitCode }),
    ...((flags & IGNORED) !== 0 && { ignored: true }),
    billedSeconds,
    costUsd,
    ...extra,
    source: SOURCES[flags >> SOURCE_SHIFT] ?? 'result',
    stopped: (flags & STOPPED) !== 0,
  };
}

/**
 * A row that an earlier version of the job carried across continue-as-new (before records existed): where its
 * full row would come from, told by how the job wrote it.
 */
export function sourceOfRow(run: RunSummary): RowSource {
  if (run.attempts === 0 && run.message?.startsWith(NEVER_STARTED)) return 'never-started';
  if (run.message?.endsWith(ESTIMATED)) return run.status === 'Cancelled' ? 'cancelled' : 'failed';
  return 'result';
}

const NEVER_STARTED = 'never started';
const ESTIMATED = "; billing estimated from the run's duration";

/** The message of an instance the job never started; `why`: the job's reason, when its policies stopped it. */
export function neverStartedMessage(why?: string): string {
  return why ? `${NEVER_STARTED}: ${why}` : NEVER_STARTED;
}

/** The message of a run cancelled before it returned; `stoppedBy`: the job's reason, when its policies did it. */
export function cancelledMessage(stoppedBy?: string): string {
  return `${stoppedBy ? `cancelled: ${stoppedBy}` : 'cancelled'}${ESTIMATED}`;
}

/** The message of a run that failed without a result: what its failure says. */
export function failedMessage(failure: string): string {
  return `${failure}${ESTIMATED}`;
}

/** What `rowFromRecord` needs of the job besides the record. */
export interface RowContext {
  /** the group's name (src/shared/names.ts containerGroupName) */
  groupName: string;
  /** the summary's: when the job ended (never-started instances were written then) */
  finishedAt: string;
  /** the summary's: why the job's policies stopped it */
  reason?: string;
  /** for a failed run: its failure's message (absent when it cannot be read any more) */
  failure?: string;
  /** for a run whose result cannot be read (its history is past retention): why the row is short */
  missing?: string;
}

/**
 * An instance's row as the summary would have listed it, from its record: exactly so for an instance never
 * started or cancelled; for a failed run, with `context.failure` read from the run; for a run whose result
 * cannot be read, what the record knows, and `context.missing` as the message.
 */
export function rowFromRecord(record: CompactRun, context: RowContext): RunSummary {
  const read = readRecord(record);
  const startedAt = read.startedAtMs === undefined ? context.finishedAt : iso(read.startedAtMs);
  const finishedAt = read.finishedAtMs === undefined ? context.finishedAt : iso(read.finishedAtMs);
  const why = read.stopped ? context.reason : undefined;
  const message =
    read.source === 'never-started'
      ? neverStartedMessage(why)
      : read.source === 'cancelled'
        ? cancelledMessage(why)
        : read.source === 'failed'
          ? failedMessage(context.failure ?? 'failed')
          : context.missing;
  return {
    instanceIndex: read.instanceIndex,
    status: read.status,
    ...(read.exitCode !== undefined && { exitCode: read.exitCode }),
    ...(message !== undefined && { message }),
    attempts: 0,
    groupName: context.groupName,
    keptGroup: false,
    startedAt,
    finishedAt,
    billedSeconds: read.billedSeconds,
    costUsd: read.costUsd,
    ...(read.ignored && { ignored: true }),
    ...(read.spotSeconds !== undefined && { spotSeconds: read.spotSeconds }),
    ...(read.evictions !== undefined && { evictions: read.evictions }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Each instance of an ended job, by index, as far as its summary says: its rows when it lists them, else its
 * records. Enough for counts, cost per instance, reruns and a grid of phases, without reading any run.
 */
export function runOutlines(summary: Pick<JobSummary, 'runs' | 'runsPaged' | 'runRecords'>): RunOutline[] {
  const outlines: RunOutline[] = summary.runsPaged
    ? (summary.runRecords ?? []).map((record) => {
        const {
          source: _source,
          stopped: _stopped,
          startedAtMs: _from,
          finishedAtMs: _to,
          ...outline
        } = readRecord(record);
        return outline;
      })
    : summary.runs;
  return [...outlines].sort((a, b) => a.instanceIndex - b.instanceIndex);
}

/** The size of a string in UTF-8, in bytes (the sandbox has no Buffer). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one character outside the BMP
      i++;
    } else bytes += 3;
  }
  return bytes;
}
