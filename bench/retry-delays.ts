/**
 * The capacity scenario compresses ACI's create/delete windows (the emulator's `timeScale`: 5 minutes become
 * 6 s). The waits the activities ask Temporal for after a refusal are set for ACI's real windows: 5 minutes
 * after a quota error or an exhausted create budget (QUOTA_RETRY_DELAY_MS), 10 s after a 429 without
 * Retry-After (DEFAULT_THROTTLE_DELAY_MS). Left as they are, a run refused at "minute 0" would wait 50 of the
 * compressed windows, which no real deployment does; so the bench's worker compresses those two waits by the
 * same factor. What ACI itself asked for (Retry-After, already scaled by the emulator) is kept as it is. The
 * activity retry policies' own intervals (create: 15 s, doubling) are real time and not scaled: they apply
 * only to failures that carry no delay of their own.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_THROTTLE_DELAY_MS, QUOTA_RETRY_DELAY_MS } from '../src/azure/errors';
import { AciFailureType } from '../src/shared/failures';

/** ARM's own words in a 429 from ACI's create/delete budget: "Please try again after '12' seconds." */
const RETRY_AFTER_IN_MESSAGE = /try again after '(\d+)' seconds/;

/** The activities, with the delays of their quota and throttling failures compressed by `scale`. */
export function scaleRetryDelays<T extends object>(activities: T, scale: number): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] =
      typeof activity === 'function'
        ? async (...args: unknown[]): Promise<unknown> => {
            try {
              return await (activity as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (error) {
              throw scaledFailure(error, scale);
            }
          }
        : activity;
  }
  return wrapped as T;
}

function scaledFailure(error: unknown, scale: number): unknown {
  if (!(error instanceof ApplicationFailure) || error.nextRetryDelay == null) return error;
  const asked = RETRY_AFTER_IN_MESSAGE.exec(error.message)?.[1];
  const askedMs = asked === undefined ? 0 : Number(asked) * 1000;
  let delayMs: number;
  if (error.type === AciFailureType.quotaExceeded) {
    delayMs = Math.max(askedMs, QUOTA_RETRY_DELAY_MS * scale);
  } else if (error.type === AciFailureType.throttled && error.nextRetryDelay === DEFAULT_THROTTLE_DELAY_MS) {
    delayMs = DEFAULT_THROTTLE_DELAY_MS * scale;
  } else {
    return error;
  }
  return new ApplicationFailure(
    error.message,
    error.type,
    error.nonRetryable,
    error.details ?? undefined,
    error.cause,
    delayMs,
    error.category,
  );
}
