/**
 * The console's pages live in the URL's fragment (`#/jobs/nightly-1/instances/3`), so links can be shared and
 * the API serves one static page. Pure: parsed and built here only. The API key is never part of a route.
 */
export type Route =
  | { page: 'jobs'; status?: string; since?: string; schedule?: string }
  | { page: 'job'; jobId: string; instance?: number }
  | { page: 'submit' }
  | { page: 'cost'; period?: string }
  | { page: 'schedules' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third, fourth] = parts;
  if (parts.length === 0 || (first === 'jobs' && parts.length === 1)) {
    return {
      page: 'jobs',
      status: params.get('status') ?? undefined,
      since: params.get('since') ?? undefined,
      schedule: params.get('schedule') ?? undefined,
    };
  }
  if (first === 'jobs' && second && parts.length === 2) return { page: 'job', jobId: second };
  if (
    first === 'jobs' &&
    second &&
    third === 'instances' &&
    fourth &&
    /^\d+$/.test(fourth) &&
    parts.length === 4
  ) {
    return { page: 'job', jobId: second, instance: Number(fourth) };
  }
  if (first === 'submit' && parts.length === 1) return { page: 'submit' };
  if (first === 'cost' && parts.length === 1)
    return { page: 'cost', period: params.get('period') ?? undefined };
  if (first === 'schedules' && parts.length === 1) return { page: 'schedules' };
  return { page: 'not-found', path };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'jobs':
      return `#/jobs${queryOf({ status: route.status, since: route.since, schedule: route.schedule })}`;
    case 'job':
      return route.instance === undefined
        ? `#/jobs/${encodeURIComponent(route.jobId)}`
        : `#/jobs/${encodeURIComponent(route.jobId)}/instances/${route.instance}`;
    case 'submit':
      return '#/submit';
    case 'cost':
      return `#/cost${queryOf({ period: route.period })}`;
    case 'schedules':
      return '#/schedules';
    case 'not-found':
      return `#/${route.path}`;
  }
}

function queryOf(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
