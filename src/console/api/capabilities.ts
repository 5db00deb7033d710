/**
 * Which optional parts the API offers, read from its OpenAPI document: the console shows a page or a button
 * only where the route behind it exists. Schedules and reruns (issue 18), the log archive and outputs (issue
 * 15) are built on other branches; once merged, their routes appear in /openapi.json and the console uses
 * them with no other change here.
 */
export interface Capabilities {
  /** GET /v1/schedules, pause, resume, trigger */
  schedules: boolean;
  /** POST /v1/jobs/:jobId/rerun */
  rerun: boolean;
  /** GET /v1/jobs/:jobId/instances/:index/logs: the whole archived log */
  logArchive: boolean;
  /** GET /v1/jobs/:jobId/instances/:index/outputs */
  outputs: boolean;
}

export const NO_CAPABILITIES: Capabilities = {
  schedules: false,
  rerun: false,
  logArchive: false,
  outputs: false,
};

/** The capabilities a document's paths show. */
export function capabilitiesOf(paths: Iterable<string>): Capabilities {
  const offered = new Set(paths);
  return {
    schedules: offered.has('/v1/schedules') && offered.has('/v1/schedules/{name}/pause'),
    rerun: offered.has('/v1/jobs/{jobId}/rerun'),
    logArchive: offered.has('/v1/jobs/{jobId}/instances/{index}/logs'),
    outputs: offered.has('/v1/jobs/{jobId}/instances/{index}/outputs'),
  };
}

export async function loadCapabilities(): Promise<Capabilities> {
  try {
    const response = await fetch('/openapi.json', { credentials: 'omit' });
    if (!response.ok) return NO_CAPABILITIES;
    const document = (await response.json()) as { paths?: Record<string, unknown> };
    return capabilitiesOf(Object.keys(document.paths ?? {}));
  } catch {
    return NO_CAPABILITIES; // the core pages work without it
  }
}
