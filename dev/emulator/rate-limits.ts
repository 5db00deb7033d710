/**
 * ACI's per-subscription, per-region budgets for container group creates and deletes (300/hour and
 * 100/5 minutes each), counted over sliding windows. Remaining counts go out in the
 * `x-ms-ratelimit-remaining-subscription-resource-requests-pt1h/pt5m` headers; an exhausted budget is a 429.
 *
 * `timeScale` compresses the windows (and so the Retry-After derived from them): at 0.01 "per 5 minutes" is
 * per 3 s and "per hour" per 36 s. Retry-After stays whole seconds (at least 1), as ARM sends it.
 */
import { throttled, type ArmError } from './arm-errors';

export interface RateLimits {
  createsPerHour: number;
  createsPer5Min: number;
  deletesPerHour: number;
  deletesPer5Min: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  createsPerHour: 300,
  createsPer5Min: 100,
  deletesPerHour: 300,
  deletesPer5Min: 100,
};

export type RateLimitedAction = 'create' | 'delete';

export type RateDecision =
  { allowed: true; headers: Record<string, string> } | { allowed: false; error: ArmError };

const HOUR_MS = 3_600_000;
const FIVE_MIN_MS = 300_000;

export class RateLimiter {
  /** request times per action and scope, oldest first, pruned to the last hour */
  private readonly windows = new Map<string, number[]>();

  private readonly hourMs: number;
  private readonly fiveMinMs: number;

  /** `limits`: the budgets when a call names none (each account passes its own) */
  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    timeScale = 1,
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new Error('timeScale must be a positive number');
    this.hourMs = HOUR_MS * timeScale;
    this.fiveMinMs = FIVE_MIN_MS * timeScale;
  }

  take(action: RateLimitedAction, scope: string, now = Date.now(), limits = this.limits): RateDecision {
    const key = `${action}|${scope}`;
    const times = this.windows.get(key) ?? [];
    this.windows.set(key, times);
    const { hourMs, fiveMinMs } = this;
    while (times.length > 0 && (times[0] ?? 0) <= now - hourMs) times.shift();
    const inFiveMin = times.filter((time) => time > now - fiveMinMs);
    const [hourLimit, fiveMinLimit] =
      action === 'create'
        ? [limits.createsPerHour, limits.createsPer5Min]
        : [limits.deletesPerHour, limits.deletesPer5Min];
    const armAction = `Microsoft.ContainerInstance/containerGroups/${action === 'create' ? 'write' : 'delete'}`;

    const exhaustedWindow =
      times.length >= hourLimit
        ? { limit: hourLimit, interval: '01:00:00', times, windowMs: hourMs }
        : inFiveMin.length >= fiveMinLimit
          ? { limit: fiveMinLimit, interval: '00:05:00', times: inFiveMin, windowMs: fiveMinMs }
          : undefined;
    if (!exhaustedWindow) times.push(now);
    const used5Min = inFiveMin.length + (exhaustedWindow ? 0 : 1);
    const headers = {
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': String(
        Math.max(0, hourLimit - times.length),
      ),
      'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': String(
        Math.max(0, fiveMinLimit - used5Min),
      ),
    };
    if (!exhaustedWindow) return { allowed: true, headers };
    // the budget frees up when the oldest request in the exhausted window leaves it
    const oldest = exhaustedWindow.times[0] ?? now;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + exhaustedWindow.windowMs - now) / 1000));
    return {
      allowed: false,
      error: throttled(
        armAction,
        exhaustedWindow.limit,
        exhaustedWindow.interval,
        retryAfterSeconds,
        headers,
      ),
    };
  }
}
