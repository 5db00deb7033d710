/** Times for --since/--until: an ISO date or time, or a duration meaning "that long ago" (7d, 12h, 90m). */
import { msToNumber } from '@temporalio/common/lib/time';
import { usageError } from './errors';

export function parseTime(option: string, text: string, now: Date = new Date()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const time = new Date(text);
    if (!Number.isNaN(time.getTime())) return time;
  } else {
    const ago = durationMs(text);
    if (ago !== undefined) return new Date(now.getTime() - ago);
  }
  throw usageError(
    `${option} "${text}" is neither a time nor a duration.`,
    `Use an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z) or a duration ago (7d, 12h, 90m).`,
  );
}

function durationMs(text: string): number | undefined {
  try {
    const ms = msToNumber(text as Parameters<typeof msToNumber>[0]);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
