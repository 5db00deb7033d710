/**
 * Caps on what runs keep from containers: everything a run returns is stored in its own history and again in
 * the parent's (a job of 1,000 instances holds 1,000 results), so container output is cut to size here.
 */

export const LOG_TAIL_MAX_CHARS = 4096;
export const MESSAGE_MAX_CHARS = 1000;
/** the container's JSON result, serialised */
export const RESULT_MAX_CHARS = 8192;

/** The end of a log, where the error usually is. */
export function capLogTail(log: string): string {
  return log.length <= LOG_TAIL_MAX_CHARS ? log : `…${log.slice(-(LOG_TAIL_MAX_CHARS - 1))}`;
}

export function capMessage(message: string | undefined): string | undefined {
  if (message === undefined || message.length <= MESSAGE_MAX_CHARS) return message;
  return `${message.slice(0, MESSAGE_MAX_CHARS - 1)}…`;
}

/** A result too large to keep is dropped (a cut JSON value would be useless), and the drop is said. */
export function capResult(result: unknown): { result?: unknown; dropped?: string } {
  if (result === undefined) return {};
  const size = JSON.stringify(result)?.length ?? 0;
  if (size <= RESULT_MAX_CHARS) return { result };
  return { dropped: `result dropped: ${size} characters of JSON, more than ${RESULT_MAX_CHARS}` };
}
