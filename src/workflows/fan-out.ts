/**
 * A sliding window over instance indices: at most `maxParallel` in flight, the next one launched as soon as
 * one finishes (a parent may have at most 2,000 pending children, and ACI has quotas). It always drains what
 * is in flight before it returns, cancellation included, so the parent never loses track of a child.
 */
import { CancellationScope, condition } from '@temporalio/workflow';

export interface WindowOptions {
  from: number;
  /** exclusive */
  to: number;
  maxParallel: number;
  /** checked before each launch: true stops launching (e.g. the history is full) */
  stopLaunching: () => boolean;
}

/**
 * Calls `launch(index)` for each index in the window; `launch` must not reject (it records failures itself).
 * Returns the first index not launched: `to` when all were.
 */
export async function runWindow(
  options: WindowOptions,
  launch: (index: number) => Promise<void>,
): Promise<number> {
  let inFlight = 0;
  let next = options.from;
  try {
    while (next < options.to) {
      await condition(() => inFlight < options.maxParallel);
      if (options.stopLaunching()) break;
      const index = next++;
      inFlight++;
      void launch(index).finally(() => inFlight--);
    }
  } finally {
    await CancellationScope.nonCancellable(() => condition(() => inFlight === 0));
  }
  return next;
}
