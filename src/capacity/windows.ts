/**
 * ACI's create and delete budgets as ACI counts them: sliding windows (100 in any 5 minutes AND 300 in any
 * hour per subscription and region), not an average rate. A take is allowed only when every window has room;
 * when one is full, the next take waits until its oldest entry leaves it. Pure and deterministic: the ledger
 * workflow keeps one per budget and carries its entries across continue-as-new.
 */

export interface WindowLimit {
  windowMs: number;
  max: number;
}

export class SlidingWindows {
  /** take times, oldest first */
  private times: number[];

  constructor(
    readonly limits: readonly WindowLimit[],
    times: readonly number[] = [],
  ) {
    this.times = [...times];
  }

  /** Takes in the window of length `windowMs` ending at `now`. */
  count(now: number, windowMs: number): number {
    return this.times.length - this.firstAfter(now - windowMs);
  }

  /** With `reserved` takes promised that are not in the windows yet (they come later, each counts then). */
  canTake(now: number, reserved = 0): boolean {
    return this.limits.every((limit) => this.count(now, limit.windowMs) + reserved < limit.max);
  }

  /**
   * Records a take counted at `at` (from `now`: it may lie ahead, when ACI will count it later than the ledger
   * decides), in order even when recorded after a later one.
   */
  take(at: number, now = at): void {
    this.times.splice(this.firstAfter(at), 0, at);
    this.prune(now);
  }

  /** Moves one take from `from` to `to` (once known when ACI counted it); nothing when `from` left the windows. */
  restamp(from: number, to: number, now: number): void {
    const index = this.times.indexOf(from);
    if (index < 0) return;
    this.times.splice(index, 1);
    this.take(to, now);
  }

  /**
   * The earliest time from `now` at which a take is allowed (with `reserved` promised takes); Infinity when the
   * promises alone fill a window: only a promise kept or dropped makes room.
   */
  nextFreeAt(now: number, reserved = 0): number {
    if (this.limits.some((limit) => limit.max - reserved <= 0)) return Infinity;
    let at = now;
    for (let changed = true; changed;) {
      changed = false;
      for (const limit of this.limits) {
        const max = limit.max - reserved;
        const inWindow = this.times.filter((time) => time > at - limit.windowMs);
        if (inWindow.length < max) continue;
        // the entry whose leaving makes room: the (excess+1)-th oldest in the window
        const leaving = inWindow[inWindow.length - max]!;
        at = Math.max(at, leaving + limit.windowMs);
        changed = true;
      }
    }
    return at;
  }

  /** Entries older than the longest window count for nothing: what carries across continue-as-new. */
  snapshot(now: number): number[] {
    this.prune(now);
    return [...this.times];
  }

  private prune(now: number): void {
    const longest = Math.max(...this.limits.map((limit) => limit.windowMs));
    const from = this.firstAfter(now - longest);
    if (from > 0) this.times = this.times.slice(from);
  }

  /** The index of the first take after `time` (the windows may hold thousands with raised limits). */
  private firstAfter(time: number): number {
    return indexAfter(this.times, time, (take) => take);
  }
}

/** The index of the first item of `sorted` (ascending by `valueOf`) whose value is above `value`: binary search. */
export function indexAfter<T>(sorted: readonly T[], value: number, valueOf: (item: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (valueOf(sorted[mid]!) > value) high = mid;
    else low = mid + 1;
  }
  return low;
}
