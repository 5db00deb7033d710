/**
 * How often the console asks again. Live views poll (the API has no push channel), and polite polling keeps
 * the load low: fast while something changes, slower and slower while nothing does, slower still after
 * errors, and as the server asks when it answers 503 with Retry-After.
 */
export interface PollPace {
  /** the first and fastest interval */
  minMs: number;
  /** the slowest interval */
  maxMs: number;
}

/** Each unchanged answer stretches the interval by this factor. */
const STRETCH = 1.6;

export type PollOutcome =
  { kind: 'changed' } | { kind: 'unchanged' } | { kind: 'failed'; retryAfterSeconds?: number };

/**
 * The next interval after `current`: back to the fastest when the answer changed, stretched when it did not
 * or when the call failed (a Retry-After is honoured, within the slowest pace). `jitter` (0 to 1) spreads
 * many tabs' requests apart.
 */
export function nextInterval(current: number, outcome: PollOutcome, pace: PollPace, jitter = 0.5): number {
  if (outcome.kind === 'changed') return pace.minMs;
  if (outcome.kind === 'failed' && outcome.retryAfterSeconds !== undefined) {
    return Math.min(Math.max(outcome.retryAfterSeconds * 1000, pace.minMs), pace.maxMs);
  }
  const stretched = current * STRETCH * (0.9 + 0.2 * jitter);
  return Math.round(Math.min(Math.max(stretched, pace.minMs), pace.maxMs));
}
