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
    let n = 0;
    for (let i = this.times.length - 1; i >= 0 && this.times[i]! > now - windowMs; i--) n++;
    return n;
  }

  canTake(now: number): boolean {
    return this.limits.every((limit) => this.count(now, limit.windowMs) < limit.max);
  }

  take(now: number): void {
    this.times.push(now);
    this.prune(now);
  }

  /** The earliest time from `now` at which a take is allowed. */
  nextFreeAt(now: number): number {
    let at = now;
    for (let changed = true; changed;) {
      changed = false;
      for (const limit of this.limits) {
        const inWindow = this.times.filter((time) => time > at - limit.windowMs);
        if (inWindow.length < limit.max) continue;
        // the entry whose leaving makes room: the (excess+1)-th oldest in the window
        const leaving = inWindow[inWindow.length - limit.max]!;
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
    const from = this.times.findIndex((time) => time > now - longest);
    this.times = from < 0 ? [] : this.times.slice(from);
  }
}
