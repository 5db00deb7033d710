/** Times for --since/--until: an ISO date or time, or a duration meaning "that long ago" (7d, 12h, 90m). */
import { durationMs } from '../shared/duration';
import { usageError } from './errors';

export function parseTime(option: string, text: string, now: Date = new Date()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const time = new Date(text);
    if (!Number.isNaN(time.getTime())) return time;
  } else {
    const ago = durationAgo(text);
    if (ago !== undefined) return new Date(now.getTime() - ago);
  }
  throw usageError(
    `${option} "${text}" is neither a time nor a duration.`,
    `Use an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z) or a duration ago (7d, 12h, 90m).`,
  );
}

function durationAgo(text: string): number | undefined {
  try {
    const ms = durationMs(text);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
