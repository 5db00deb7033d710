/** How numbers, money and times read in the console. Pure. */

export function usd(value: number | undefined): string {
  if (value === undefined) return '—';
  // small jobs cost fractions of a cent: show enough digits to tell them apart
  return value !== 0 && Math.abs(value) < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(2)}`;
}

export function seconds(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value < 60) return `${Math.round(value * 10) / 10} s`;
  if (value < 3600) return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
  return `${Math.floor(value / 3600)} h ${Math.round((value % 3600) / 60)} min`;
}

/** "3 min ago", "2 h ago", "5 d ago" */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const elapsed = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (elapsed < 60) return `${Math.round(elapsed)} s ago`;
  if (elapsed < 3600) return `${Math.round(elapsed / 60)} min ago`;
  if (elapsed < 86400) return `${Math.round(elapsed / 3600)} h ago`;
  return `${Math.round(elapsed / 86400)} d ago`;
}

/** The duration between two times, or until now. */
export function span(fromIso: string | undefined, toIso?: string, now = Date.now()): string {
  if (!fromIso) return '—';
  return seconds(((toIso ? Date.parse(toIso) : now) - Date.parse(fromIso)) / 1000);
}

/** A local date and time, e.g. "24 Nov 2026, 05:15:02". */
export function when(iso: string | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}
