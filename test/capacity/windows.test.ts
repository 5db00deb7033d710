import { describe, expect, it } from 'vitest';
import { SlidingWindows } from '../../src/capacity/windows';

const MINUTE = 60_000;
/** ACI's create budget: 100 in any 5 minutes and 300 in any hour (here 3 and 5, to keep the numbers small). */
const budget = () =>
  new SlidingWindows([
    { windowMs: 5 * MINUTE, max: 3 },
    { windowMs: 60 * MINUTE, max: 5 },
  ]);

describe('sliding windows', () => {
  it('allows up to the 5-minute limit, then waits until the oldest take leaves the window', () => {
    const windows = budget();
    for (const at of [0, 1000, 2000]) {
      expect(windows.canTake(at)).toBe(true);
      windows.take(at);
    }
    expect(windows.canTake(3000)).toBe(false);
    expect(windows.nextFreeAt(3000)).toBe(5 * MINUTE);
    expect(windows.canTake(5 * MINUTE)).toBe(true);
  });

  it('honours the hourly window too, not only the average rate', () => {
    const windows = budget();
    for (const at of [0, 1, 2, 5 * MINUTE, 5 * MINUTE + 1]) windows.take(at);
    // the 5-minute window has room (2 of 3), the hour is full (5 of 5): wait for the first take to be an hour old
    expect(windows.canTake(6 * MINUTE)).toBe(false);
    expect(windows.nextFreeAt(6 * MINUTE)).toBe(60 * MINUTE);
  });

  it('finds the time both windows allow when each would free at a different time', () => {
    const windows = new SlidingWindows([
      { windowMs: 10, max: 1 },
      { windowMs: 100, max: 2 },
    ]);
    windows.take(0);
    windows.take(50);
    // 10-window frees at 60, but the 100-window holds 0 and 50 until 100
    expect(windows.nextFreeAt(55)).toBe(100);
  });

  it('carries only what still counts across a snapshot', () => {
    const windows = budget();
    for (const at of [0, 10 * MINUTE, 61 * MINUTE]) windows.take(at);
    expect(windows.snapshot(62 * MINUTE)).toEqual([10 * MINUTE, 61 * MINUTE]);
    const restored = new SlidingWindows(windows.limits, windows.snapshot(62 * MINUTE));
    expect(restored.count(62 * MINUTE, 60 * MINUTE)).toBe(2);
  });

  it('counts promised takes against every window, and waits for a promise when promises alone fill one', () => {
    const windows = new SlidingWindows([
      { windowMs: 10, max: 3 },
      { windowMs: 100, max: 5 },
    ]);
    windows.take(0);
    expect(windows.canTake(1, 1)).toBe(true);
    expect(windows.canTake(1, 2)).toBe(false);
    // one promise: room comes when the take at 0 leaves the 10-window
    expect(windows.nextFreeAt(1, 2)).toBe(10);
    expect(windows.nextFreeAt(1, 3)).toBe(Infinity);
  });

  it('keeps takes in time order when one is recorded after a later one', () => {
    const windows = new SlidingWindows([{ windowMs: 10, max: 2 }]);
    windows.take(8);
    windows.take(3);
    expect(windows.count(12, 10)).toBe(2);
    expect(windows.count(14, 10)).toBe(1);
    expect(windows.nextFreeAt(12)).toBe(13);
  });

  it('records a take counted ahead of now without dropping what still counts now, and moves a take once its count is known', () => {
    const windows = new SlidingWindows([{ windowMs: 10, max: 2 }]);
    windows.take(1);
    // decided at 12, counted by 14 at the latest: the take at 1 still counts at 10 (pruning goes by now, not by 14)
    windows.take(14, 12);
    expect(windows.count(10, 10)).toBe(1);
    expect(windows.count(12, 10)).toBe(1);
    expect(windows.nextFreeAt(12)).toBe(12);
    windows.take(12);
    // full: the take stamped 14 leaves at 24; moved to 13 (counted then), it leaves at 23
    expect(windows.nextFreeAt(15)).toBe(22);
    windows.restamp(12, 13, 15);
    expect(windows.nextFreeAt(15)).toBe(23);
    windows.restamp(14, 13, 15);
    expect(windows.nextFreeAt(15)).toBe(23);
    expect(windows.count(23, 10)).toBe(0);
    // a take that left the windows is not brought back
    windows.restamp(99, 40, 41);
    expect(windows.count(41, 10)).toBe(0);
  });
});
