/**
 * Every request the emulator answered, for assertions and benchmarks (e.g. "completion signal → delete
 * request"): `time` is the arrival time in epoch ms with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), comparable with the same clock in the test process.
 */
import type { FaultKind, HttpOperation } from './faults';

export interface RequestLogEntry {
  method: string;
  /** path and query as received */
  path: string;
  status: number;
  /** arrival, epoch ms (high resolution) */
  time: number;
  durationMs: number;
  /** the ARM operation the route serves (absent for unknown routes) */
  operation?: HttpOperation;
  /** the container group concerned, when the route names one */
  group?: string;
  /** the injected fault that answered this request */
  fault?: FaultKind;
  /** the ARM error code of a failed request, e.g. ResourceRequestsThrottled, ContainerGroupQuotaReached */
  code?: string;
  /** the Retry-After (seconds) the response carried */
  retryAfter?: number;
  /** the subscription in the path */
  subscriptionId?: string;
  /** the region concerned, when known (the PUT body's location, the group's, the path's) */
  region?: string;
  /** the request's api-version query parameter */
  apiVersion?: string;
  /** what a PUT's body carried (shape and references only: no values that could be secrets) */
  body?: BodySummary;
  /** for a container group PUT that named a standby pool: whether the group came from the pool */
  isCreatedFromStandbyPool?: boolean;
}

/**
 * The shape of a PUT body, for assertions such as "the warm-start PUT named a profile and a pool": key names,
 * the profile and pool references (ARM ids), config map keys and identity ids. Values that may be secret
 * (environment variables, config map values, registry passwords, ...) are never recorded.
 */
export interface BodySummary {
  /** the body's top-level keys, sorted (identity, location, properties, tags, ...) */
  keys: string[];
  /** the keys of its `properties`, sorted (e.g. containerGroupProfile, containers, standbyPoolProfile) */
  propertyKeys: string[];
  /** `properties.priority` as sent (Regular | Spot), when sent */
  priority?: string;
  containerGroupProfile?: { id?: string; revision?: number };
  standbyPoolProfile?: { id?: string; failContainerGroupCreateOnReuseFailure?: boolean };
  /** per container name, the keys of its config map */
  configMapKeys?: Record<string, string[]>;
  /** the identity's type and user-assigned identity ids */
  identity?: { type?: string; userAssignedIdentities?: string[] };
}

export interface RequestFilter {
  method?: string;
  operation?: HttpOperation;
  group?: string;
  status?: number;
  /** ARM error code */
  code?: string;
  region?: string;
  apiVersion?: string;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** keeps at most `limit` entries, dropping the oldest */
  constructor(private readonly limit = 100_000) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  /** Entries in arrival order, optionally filtered. */
  all(filter: RequestFilter = {}): RequestLogEntry[] {
    return this.entries
      .filter(
        (entry) =>
          (filter.method === undefined || entry.method === filter.method.toUpperCase()) &&
          (filter.operation === undefined || entry.operation === filter.operation) &&
          (filter.group === undefined || entry.group?.toLowerCase() === filter.group.toLowerCase()) &&
          (filter.status === undefined || entry.status === filter.status) &&
          (filter.code === undefined || entry.code === filter.code) &&
          (filter.region === undefined || entry.region === filter.region.toLowerCase()) &&
          (filter.apiVersion === undefined || entry.apiVersion === filter.apiVersion),
      )
      .sort((a, b) => a.time - b.time);
  }

  /**
   * Throttled (429) and quota-refused (ContainerGroupQuotaReached) requests, for "none in steady state"
   * assertions; optionally only from `since` (epoch ms).
   */
  limited(since = -Infinity): RequestLogEntry[] {
    return this.all().filter(
      (entry) => entry.time >= since && (entry.status === 429 || entry.code === 'ContainerGroupQuotaReached'),
    );
  }

  clear(): void {
    this.entries = [];
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The recorded shape of a PUT body (see BodySummary); anything that is not a JSON object gives empty keys. */
export function summariseBody(body: unknown): BodySummary {
  if (!isObject(body)) return { keys: [], propertyKeys: [] };
  const properties = isObject(body.properties) ? body.properties : {};
  const summary: BodySummary = {
    keys: Object.keys(body).sort(),
    propertyKeys: Object.keys(properties).sort(),
    ...(typeof properties.priority === 'string' && { priority: properties.priority }),
  };
  const profile = properties.containerGroupProfile;
  if (isObject(profile)) {
    summary.containerGroupProfile = {
      ...(typeof profile.id === 'string' && { id: profile.id }),
      ...(typeof profile.revision === 'number' && { revision: profile.revision }),
    };
  }
  const pool = properties.standbyPoolProfile;
  if (isObject(pool)) {
    summary.standbyPoolProfile = {
      ...(typeof pool.id === 'string' && { id: pool.id }),
      ...(typeof pool.failContainerGroupCreateOnReuseFailure === 'boolean' && {
        failContainerGroupCreateOnReuseFailure: pool.failContainerGroupCreateOnReuseFailure,
      }),
    };
  }
  const configMapKeys: Record<string, string[]> = {};
  for (const container of Array.isArray(properties.containers) ? properties.containers : []) {
    if (!isObject(container) || typeof container.name !== 'string') continue;
    const configMap = isObject(container.properties) ? container.properties.configMap : undefined;
    if (!isObject(configMap)) continue;
    const pairs = Object.entries(configMap).find(([key]) => key.toLowerCase() === 'keyvaluepairs')?.[1];
    configMapKeys[container.name] = isObject(pairs) ? Object.keys(pairs).sort() : [];
  }
  if (Object.keys(configMapKeys).length > 0) summary.configMapKeys = configMapKeys;
  const identity = body.identity;
  if (isObject(identity)) {
    summary.identity = {
      ...(typeof identity.type === 'string' && { type: identity.type }),
      ...(isObject(identity.userAssignedIdentities) && {
        userAssignedIdentities: Object.keys(identity.userAssignedIdentities),
      }),
    };
  }
  return summary;
}
