/** A job's state as a labelled badge (the word is always there; the colour only repeats it). */
export function StatusBadge({ state }: { state: string }) {
  return <span className={`badge badge-${state.toLowerCase()}`}>{state}</span>;
}
