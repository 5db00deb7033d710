/** The console's polling pace (src/console/live/backoff.ts): fast while things change, polite otherwise. */
import { describe, expect, it } from 'vitest';
import { nextInterval } from '../../src/console/live/backoff';

const pace = { minMs: 1000, maxMs: 10_000 };

describe('nextInterval', () => {
  it('goes back to the fastest pace when the answer changed', () => {
    expect(nextInterval(8000, { kind: 'changed' }, pace)).toBe(1000);
  });

  it('stretches while nothing changes or calls fail, up to the slowest pace', () => {
    let interval = pace.minMs;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((interval = nextInterval(interval, { kind: 'unchanged' }, pace)));
    expect(seen[0]).toBe(1600);
    expect(seen.every((value, i) => i === 0 || value >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(10_000);
    expect(nextInterval(4000, { kind: 'failed' }, pace)).toBe(6400);
  });

  it('honours Retry-After within the pace, and spreads tabs apart with jitter', () => {
    expect(nextInterval(1000, { kind: 'failed', retryAfterSeconds: 5 }, pace)).toBe(5000);
    expect(nextInterval(1000, { kind: 'failed', retryAfterSeconds: 120 }, pace)).toBe(10_000);
    expect(nextInterval(2000, { kind: 'unchanged' }, pace, 0)).toBe(2880);
    expect(nextInterval(2000, { kind: 'unchanged' }, pace, 1)).toBe(3520);
  });
});
