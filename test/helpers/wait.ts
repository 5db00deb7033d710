/** The one way tests wait for something to happen: poll a probe until it has an answer, or give up in time. */
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface WaitOptions {
  /** how long to keep asking (default 10 s) */
  timeoutMs?: number;
  /** the pause between two questions (default 50 ms) */
  intervalMs?: number;
}

/** What a probe answers while the awaited thing has not happened yet. */
export type NotYet = undefined | false;

/**
 * Calls `probe` (sync or async) until it returns something other than undefined or false, and returns that;
 * after `timeoutMs` it throws an error naming `what` and the probe's last answer. An error the probe throws
 * ends the wait at once: a probe that may fail while it waits catches and answers undefined itself.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | NotYet | Promise<T | NotYet>,
  { timeoutMs = 10_000, intervalMs = 50 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined && answer !== false) return answer;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last answer: ${inspect(answer)})`,
      );
    }
    await sleep(intervalMs);
  }
}
