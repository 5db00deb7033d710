/** Instance counts by phase, each with its colour and its name: the legend of the grid, and a list row's summary. */
import { PHASE_COLOURS, type Phase } from './phases';

export function PhaseCounts({
  counts,
  label,
}: {
  counts: Array<{ phase: Phase; count: number }>;
  label: string;
}) {
  return (
    <ul className="phase-counts" aria-label={label}>
      {counts.map(({ phase, count }) => (
        <li key={phase}>
          <span className="swatch" style={{ background: PHASE_COLOURS[phase] }} aria-hidden="true" />
          <span>
            {count.toLocaleString()} {phaseLabel(phase)}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** "TimedOut" → "timed out", "CleaningUp" → "cleaning up", "NotStarted" → "not started" */
export function phaseLabel(phase: Phase): string {
  return phase.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
