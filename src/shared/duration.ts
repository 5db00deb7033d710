/**
 * Durations as specs and settings write them ("30s", "15m", "2h", "3 days", or milliseconds), parsed by `ms`,
 * the parser Temporal uses for its own durations. Pure: runs in the workflow sandbox.
 */
import ms from 'ms';

/** A duration as Temporal's APIs type it (a string `ms` reads, or milliseconds). */
export type Duration = ms.StringValue | number;

/** Milliseconds of a duration; throws a TypeError naming the value when it is not one. */
export function durationMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const millis = ms(value as ms.StringValue) as number | undefined;
  if (millis === undefined || Number.isNaN(millis)) throw new TypeError(`Invalid duration: "${value}"`);
  return millis;
}
