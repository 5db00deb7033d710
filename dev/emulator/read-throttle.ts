/**
 * ARM's read throttling: a token bucket per subscription (ARM's buckets are per ARM region and principal;
 * the emulator has one ARM region and ignores principals, so one bucket per subscription) holding
 * `capacity` tokens (burst, default 250) and refilling at `refillPerSecond` (default 25/s), as ARM's regional
 * throttling does since 2024. Every GET (group, list, logs, operation status, usages) takes a token; a read
 * without one is a 429 SubscriptionRequestsThrottled with `Retry-After`. Remaining tokens go out in
 * `x-ms-ratelimit-remaining-subscription-reads`. The time scale does not apply: this is a per-second rate.
 */
import { subscriptionThrottled, type ArmError } from './arm-errors';
import { preciseNow } from './time';

export interface ReadBucket {
  /** burst: tokens in a full bucket */
  capacity: number;
  /** tokens added per second, up to `capacity` */
  refillPerSecond: number;
}

export const DEFAULT_READ_BUCKET: ReadBucket = { capacity: 250, refillPerSecond: 25 };

export const READS_REMAINING_HEADER = 'x-ms-ratelimit-remaining-subscription-reads';

export type ReadDecision =
  { allowed: true; headers: Record<string, string> } | { allowed: false; error: ArmError };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class ReadThrottle {
  private readonly buckets = new Map<string, Bucket>();

  /** `false`: no read throttling at all */
  constructor(private bucket: ReadBucket | false = DEFAULT_READ_BUCKET) {}

  /** Changes the bucket size or refill rate from now on (tokens already there stay, up to the new capacity). */
  configure(bucket: Partial<ReadBucket> | false, now = preciseNow()): void {
    for (const state of this.buckets.values()) this.refill(state, now);
    if (bucket === false) {
      this.bucket = false;
      this.buckets.clear();
      return;
    }
    const next = { ...(this.bucket || DEFAULT_READ_BUCKET), ...bucket };
    validate(next);
    this.bucket = next;
    for (const state of this.buckets.values()) state.tokens = Math.min(state.tokens, next.capacity);
  }

  take(subscriptionId: string, now = preciseNow()): ReadDecision {
    const { bucket } = this;
    if (bucket === false) return { allowed: true, headers: {} };
    const key = subscriptionId.toLowerCase();
    let state = this.buckets.get(key);
    if (!state) {
      state = { tokens: bucket.capacity, updatedAt: now };
      this.buckets.set(key, state);
    }
    this.refill(state, now);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return { allowed: true, headers: { [READS_REMAINING_HEADER]: String(Math.floor(state.tokens)) } };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - state.tokens) / bucket.refillPerSecond));
    const error = subscriptionThrottled('read', subscriptionId, retryAfterSeconds, {
      [READS_REMAINING_HEADER]: '0',
    });
    return { allowed: false, error };
  }

  private refill(state: Bucket, now: number): void {
    const { bucket } = this;
    if (bucket === false) return;
    const elapsedSeconds = Math.max(0, now - state.updatedAt) / 1000;
    state.tokens = Math.min(bucket.capacity, state.tokens + elapsedSeconds * bucket.refillPerSecond);
    state.updatedAt = now;
  }
}

export function validate(bucket: ReadBucket): ReadBucket {
  const { capacity, refillPerSecond } = bucket;
  if (
    !Number.isFinite(capacity) ||
    capacity < 1 ||
    !Number.isFinite(refillPerSecond) ||
    refillPerSecond <= 0
  ) {
    throw new Error(
      'readBucket needs a finite capacity >= 1 and refillPerSecond > 0 (or false: no read throttling)',
    );
  }
  return bucket;
}
