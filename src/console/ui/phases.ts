/**
 * An instance's phase as the console shows it: one colour per phase, from a palette that colour-blind readers
 * can tell apart (Okabe and Ito's), always with its name beside it in the legend. Pure.
 */
import type { RunPhase } from '../../shared/messages';

/** Every phase an instance can show: its run's, Pending (not started yet), NotStarted (the job ended first). */
export type Phase = RunPhase | 'Pending' | 'NotStarted';

export const PHASES: readonly Phase[] = [
  'Pending',
  'Queued',
  'Creating',
  'Starting',
  'Running',
  'Restarting',
  'Evicted',
  'Moving',
  'CleaningUp',
  'Succeeded',
  'Failed',
  'TimedOut',
  'Cancelled',
  'NotStarted',
];

export const PHASE_COLOURS: Record<Phase, string> = {
  Pending: '#c4c9d1',
  Queued: '#9b87d6',
  Creating: '#56b4e9',
  Starting: '#56b4e9',
  Running: '#0072b2',
  Restarting: '#e69f00',
  Evicted: '#e69f00',
  Moving: '#e69f00',
  CleaningUp: '#7fc8bd',
  Succeeded: '#009e73',
  Failed: '#d55e00',
  TimedOut: '#cc79a7',
  Cancelled: '#4d4d4d',
  NotStarted: '#e8eaee',
};

/** A compact code per phase (an instance grid of 10,000 keeps one byte each). */
export const PHASE_CODE = new Map<Phase, number>(PHASES.map((phase, code) => [phase, code]));

export function phaseOfCode(code: number): Phase {
  return PHASES[code] ?? 'Pending';
}

/** Counts per phase, in legend order, without the empty ones. */
export function countPhases(codes: Uint8Array): Array<{ phase: Phase; count: number }> {
  const counts = new Array<number>(PHASES.length).fill(0);
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return PHASES.map((phase, code) => ({ phase, count: counts[code] ?? 0 })).filter(
    (entry) => entry.count > 0,
  );
}
