/** The jobs list's filters: by status, by how long ago jobs started, and by the schedule that started them. Pure. */

/** `Waiting`: for the jobs it depends on, before any instance starts. */
export const STATUS_FILTERS = [
  'Waiting',
  'Running',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Cancelled',
] as const;

export const SINCE_FILTERS: ReadonlyArray<{ value: string; label: string; ms: number }> = [
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 24 * 3600_000 },
];

/** A schedule's name as the API takes it (src/shared/schedule-spec.ts): a DNS label of up to 25 characters. */
export function isScheduleName(value: string): boolean {
  return value.length <= 25 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(value);
}

export interface JobFilters {
  status?: string;
  since?: string;
  /** only the jobs this schedule started */
  schedule?: string;
}

/** The API's list query for these filters (`since` relative to `now`), a page size and a page token. */
export function listQuery(
  filters: JobFilters,
  pageToken: string | undefined,
  pageSize: number,
  now = Date.now(),
): string {
  const params = new URLSearchParams({ pageSize: String(pageSize) });
  if (filters.status && (STATUS_FILTERS as readonly string[]).includes(filters.status)) {
    params.set('status', filters.status);
  }
  if (filters.schedule && isScheduleName(filters.schedule)) params.set('schedule', filters.schedule);
  const since = SINCE_FILTERS.find((option) => option.value === filters.since);
  if (since) params.set('since', new Date(now - since.ms).toISOString());
  if (pageToken) params.set('pageToken', pageToken);
  return `/v1/jobs?${params.toString()}`;
}
