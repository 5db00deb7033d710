/**
 * Following an instance's archived log (`GET /v1/jobs/:jobId/instances/:index/logs`) without downloading it
 * again and again: the first read takes the attempt's archive whole, each later one only what was appended
 * since (`?offset=` the previous answer's `x-aci-batch-log-bytes`), until the attempt's archive is sealed and
 * nothing more can come. Following the latest attempt, a newer attempt (the run restarted) is taken from its
 * start. Pure: the console's log view asks, this decides what to ask next and what the log is then.
 */

/** One answer of the log route: its headers (src/api/jobs-routes.ts) and its text. */
export interface LogChunk {
  /** the attempt answered (`x-aci-batch-attempt`) */
  attempt: number;
  /** every attempt archived so far (`x-aci-batch-attempts`) */
  attempts: number[];
  /** the attempt's archive size: the next read's offset (`x-aci-batch-log-bytes`) */
  bytes: number;
  /** the attempt's archive is complete (`x-aci-batch-log-sealed`) */
  sealed: boolean;
  text: string;
}

export const LOG_HEADERS = {
  attempt: 'x-aci-batch-attempt',
  attempts: 'x-aci-batch-attempts',
  bytes: 'x-aci-batch-log-bytes',
  sealed: 'x-aci-batch-log-sealed',
} as const;

export function logChunkOf(headers: { get(name: string): string | null }, text: string): LogChunk {
  const attempts = (headers.get(LOG_HEADERS.attempts) ?? '')
    .split(',')
    .map((value) => Number(value.trim()))
    .filter((value) => Number.isInteger(value) && value > 0);
  const attempt = Number(headers.get(LOG_HEADERS.attempt) ?? attempts.at(-1) ?? 1);
  const bytes = Number(headers.get(LOG_HEADERS.bytes));
  return {
    attempt,
    attempts,
    bytes: Number.isFinite(bytes) && bytes >= 0 ? bytes : 0,
    sealed: headers.get(LOG_HEADERS.sealed) === 'true',
    text,
  };
}

/** The log as read so far. */
export interface FollowedLog {
  /** the attempt shown; undefined before the first answer */
  attempt?: number;
  /** the attempts archived, as the latest answer listed them */
  attempts: number[];
  /** how much of the attempt's archive has been read (its bytes, timestamps included) */
  bytes: number;
  text: string;
  sealed: boolean;
}

export const NO_LOG: FollowedLog = { attempts: [], bytes: 0, text: '', sealed: false };

/** A read: an attempt (the latest when undefined) from a byte of its archive on. */
export interface LogRequest {
  attempt?: number;
  offset: number;
}

/** The query of a read: `?offset=`, and `attempt=` when one is named. */
export function logRequestQuery(request: LogRequest): string {
  const params = new URLSearchParams();
  if (request.attempt !== undefined) params.set('attempt', String(request.attempt));
  if (request.offset > 0) params.set('offset', String(request.offset));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The log after the answer to `request`. */
export function applyLogChunk(log: FollowedLog, request: LogRequest, chunk: LogChunk): FollowedLog {
  if (request.offset === 0) {
    return {
      attempt: chunk.attempt,
      attempts: chunk.attempts,
      bytes: chunk.bytes,
      text: chunk.text,
      sealed: chunk.sealed,
    };
  }
  // a continuation of another attempt, or from another place than where the log stands: not this log's
  if (chunk.attempt !== log.attempt || request.offset !== log.bytes) return log;
  return {
    ...log,
    attempts: chunk.attempts,
    bytes: Math.max(log.bytes, chunk.bytes),
    text: log.text + chunk.text,
    sealed: chunk.sealed,
  };
}

/**
 * What to read next, or undefined when nothing more will come. `choice`: one attempt, or the latest one;
 * `live`: the instance still runs (its archive may grow, a restart may start another attempt);
 * `readSinceEnded`: a read was answered after the instance ended (its log then stands as it will stay).
 */
export function nextLogRequest(
  log: FollowedLog,
  choice: number | 'latest',
  live: boolean,
  readSinceEnded: boolean,
): LogRequest | undefined {
  if (log.attempt === undefined) return { attempt: choice === 'latest' ? undefined : choice, offset: 0 };
  if (choice === 'latest') {
    const latest = log.attempts.at(-1);
    if (latest !== undefined && latest > log.attempt) return { attempt: latest, offset: 0 };
  }
  if (!live && (log.sealed || readSinceEnded)) return undefined;
  // an attempt chosen and sealed is complete; the latest, sealed while the instance runs, may be followed by
  // another (asked from the end: the answer is empty and lists the attempts)
  if (live && log.sealed && choice !== 'latest') return undefined;
  return { attempt: log.attempt, offset: log.bytes };
}
