/**
 * Retry-After, read once for the SDK pipeline and the error classifier.
 *
 * The policy lets the SDK honour short Retry-After delays itself (ARM throttling: seconds) but hands long ones (ACI's
 * create budget: minutes) to Temporal. The SDK would otherwise sleep that long inside the activity, with no
 * heartbeat and no end in sight; instead the 429 surfaces, and `toAciFailure` turns the delay into the
 * failure's `nextRetryDelay`. Runs once per try (after the retry policy), so it sees every response.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export const retryAfterCapPolicyName = 'aciBatchRetryAfterCap';
/** Where a Retry-After too long for the SDK is kept for the error classifier. */
export const DEFERRED_RETRY_AFTER_HEADER = 'x-aci-batch-deferred-retry-after-ms';
/** The longest delay the SDK may wait in place: well within any sensible activity heartbeat timeout. */
export const DEFAULT_MAX_SDK_RETRY_AFTER_MS = 30_000;

const RETRY_AFTER_HEADERS = ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms'];

export function retryAfterCapPolicy(maxMs = DEFAULT_MAX_SDK_RETRY_AFTER_MS): PipelinePolicy {
  return {
    name: retryAfterCapPolicyName,
    async sendRequest(request, next) {
      const response = await next(request);
      // the statuses the SDK's throttling retry strategy honours Retry-After on
      if (response.status !== 429 && response.status !== 503) return response;
      const delay = retryAfterMs((name) => response.headers.get(name));
      if (delay === undefined || delay <= maxMs) return response;
      for (const name of RETRY_AFTER_HEADERS) response.headers.delete(name);
      response.headers.set(DEFERRED_RETRY_AFTER_HEADER, String(delay));
      return response;
    },
  };
}

/**
 * Retry-After as the Azure SDK's throttling policy reads it (ms headers first, then seconds or an HTTP date),
 * plus the delay `retryAfterCapPolicy` took away from the SDK.
 */
export function retryAfterMs(
  header: (name: string) => string | undefined,
  now = Date.now(),
): number | undefined {
  for (const name of [DEFERRED_RETRY_AFTER_HEADER, 'retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = header(name)?.trim();
    if (value && Number.isFinite(Number(value)) && Number(value) >= 0) return Number(value);
  }
  const value = header('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
