/**
 * Options of startEmulator(), merged with the ACI_EMULATOR_* environment variables and defaults.
 * Precedence: option, then environment variable, then default.
 */
import { z } from 'zod';
import { accountSpecSchema, regionsSchema, type AccountOverrides, type AccountSpec } from './accounts';
import { DEFAULT_QUOTAS, type LatencyProfile, type Quotas } from './engine';
import type { ContainerRuntime } from './lifecycle';
import { parseFaults, type FaultSpec } from './faults';
import { DEFAULT_IMAGES_FILE, loadImageMap, validateImageMap, type ImageMap } from './images';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits';
import { DEFAULT_READ_BUCKET, validate as validateReadBucket, type ReadBucket } from './read-throttle';

export const LATENCY_PROFILES = {
  /** everything as fast as the event loop allows (default; tests) */
  instant: { provisioningMs: 0, startMs: 0, deleteMs: 0 },
  /** a few seconds per operation, for benchmarks that should feel the cost of ARM round trips */
  realistic: { provisioningMs: 4_000, startMs: 3_000, deleteMs: 1_000 },
} as const satisfies Record<string, LatencyProfile>;
export type LatencyProfileName = keyof typeof LATENCY_PROFILES;

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one */
  port?: number;
  /** the image catalogue itself (replaces the images file) */
  images?: ImageMap;
  /** YAML image catalogue; default env ACI_EMULATOR_IMAGES, then <repo>/emulator.images.yaml */
  imagesFile?: string;
  /** default quotas of every (subscription, region) account; regions/accounts override them */
  quotas?: Partial<Quotas>;
  /** default create/delete budgets of every (subscription, region) account; regions/accounts override them */
  rateLimits?: Partial<RateLimits>;
  /**
   * Per-region overrides for every subscription there: quotas, rateLimits, spot, outage. Default env
   * ACI_EMULATOR_REGIONS (JSON object of the same shape).
   */
  regions?: Record<string, AccountOverrides>;
  /** per-account overrides; an entry without subscriptionId is a region-wide one; applied after `regions` */
  accounts?: AccountSpec[];
  /**
   * ARM's read token bucket per subscription (every GET takes a token; none left → 429); `false`: no read
   * throttling. Default env ACI_EMULATOR_READ_BUCKET (JSON or 'false'), then { capacity: 250, refillPerSecond: 25 }.
   */
  readBucket?: Partial<ReadBucket> | false;
  /**
   * Compresses ACI's create/delete windows and the Retry-After derived from them: 0.01 makes "per 5 minutes"
   * per 3 s and "per hour" per 36 s. Default env ACI_EMULATOR_TIME_SCALE, then 1. The read bucket and
   * outage windows are not scaled.
   */
  timeScale?: number;
  /** a profile name or explicit durations; default env ACI_EMULATOR_LATENCY (name or JSON), then 'instant' */
  latency?: LatencyProfileName | Partial<LatencyProfile>;
  /** fault rules active from the start; default env ACI_EMULATOR_FAULTS (JSON array) */
  faults?: FaultSpec[];
  /**
   * How long a standby pool takes to make one warm group ready (its whole provisioning), after the pool is
   * created or a group is taken. Default env ACI_EMULATOR_STANDBY_REFILL_MS, then 3000. Not time-scaled.
   */
  standbyRefillMs?: number;
  /** items per list page before a nextLink (default 100) */
  pageSize?: number;
  /** location used where a request names none, e.g. in x-ms-request-id (default 'eastus') */
  region?: string;
  /** resource groups that do not exist: any request in them gets 404 ResourceGroupNotFound */
  missingResourceGroups?: string[];
  /** SIGTERM → SIGKILL grace when killing a container's processes (default 2000 ms) */
  killGraceMs?: number;
  /**
   * 'process' (default): each container runs its image's command as a local process. 'inert': no process at
   * all; a container runs (no output) from its start until it is stopped, restarted or deleted (exit code
   * 143). For scale tests and benchmarks where thousands of groups wait. Env ACI_EMULATOR_CONTAINER_RUNTIME.
   */
  containerRuntime?: ContainerRuntime;
  /** also write the CA certificate (PEM) to this file */
  caFile?: string;
  /** entries kept in the request log (default 100,000; the oldest go first) */
  requestLogLimit?: number;
  /** where ACI_EMULATOR_* variables are read (default process.env) */
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedOptions {
  port: number;
  images: ImageMap;
  quotas: Quotas;
  rateLimits: RateLimits;
  /** `regions` then `accounts`, as account specs */
  accounts: AccountSpec[];
  readBucket: ReadBucket | false;
  timeScale: number;
  latency: LatencyProfile;
  faults: FaultSpec[];
  standbyRefillMs: number;
  pageSize: number;
  region: string;
  missingResourceGroups: string[];
  killGraceMs: number;
  containerRuntime: ContainerRuntime;
  caFile?: string;
  requestLogLimit: number;
}

const latencySchema = z.strictObject({
  provisioningMs: z.number().nonnegative().optional(),
  startMs: z.number().nonnegative().optional(),
  deleteMs: z.number().nonnegative().optional(),
});

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  const env = options.env ?? process.env;
  const faultsJson = env.ACI_EMULATOR_FAULTS;
  return {
    port: options.port ?? 0,
    images: options.images
      ? validateImageMap(options.images)
      : loadImageMap(options.imagesFile ?? (env.ACI_EMULATOR_IMAGES || DEFAULT_IMAGES_FILE)),
    quotas: { ...DEFAULT_QUOTAS, ...options.quotas },
    rateLimits: { ...DEFAULT_RATE_LIMITS, ...options.rateLimits },
    accounts: resolveAccounts(options, env),
    readBucket: resolveReadBucket(options.readBucket ?? parseJsonEnv(env, 'ACI_EMULATOR_READ_BUCKET')),
    timeScale: resolveTimeScale(options.timeScale ?? env.ACI_EMULATOR_TIME_SCALE),
    latency: resolveLatency(options.latency ?? (env.ACI_EMULATOR_LATENCY || 'instant')),
    faults: options.faults ?? (faultsJson ? parseFaults(faultsJson) : []),
    standbyRefillMs: resolveRefillMs(options.standbyRefillMs ?? env.ACI_EMULATOR_STANDBY_REFILL_MS),
    pageSize: positiveInteger('pageSize', options.pageSize ?? 100),
    region: options.region ?? 'eastus',
    missingResourceGroups: options.missingResourceGroups ?? [],
    killGraceMs: options.killGraceMs ?? 2_000,
    containerRuntime: resolveRuntime(options.containerRuntime ?? env.ACI_EMULATOR_CONTAINER_RUNTIME),
    ...(options.caFile !== undefined && { caFile: options.caFile }),
    requestLogLimit: positiveInteger('requestLogLimit', options.requestLogLimit ?? 100_000),
  };
}

function resolveAccounts(options: EmulatorOptions, env: NodeJS.ProcessEnv): AccountSpec[] {
  const regions = regionsSchema.parse(options.regions ?? parseJsonEnv(env, 'ACI_EMULATOR_REGIONS') ?? {});
  const accounts = z.array(accountSpecSchema).parse(options.accounts ?? []);
  return [...Object.entries(regions).map(([region, overrides]) => ({ ...overrides, region })), ...accounts];
}

const readBucketSchema = z.union([
  z.literal(false),
  z.strictObject({ capacity: z.number().optional(), refillPerSecond: z.number().optional() }),
]);

function resolveReadBucket(value: unknown): ReadBucket | false {
  if (value === undefined) return DEFAULT_READ_BUCKET;
  const parsed = readBucketSchema.parse(value);
  if (parsed === false) return false;
  return validateReadBucket({
    capacity: parsed.capacity ?? DEFAULT_READ_BUCKET.capacity,
    refillPerSecond: parsed.refillPerSecond ?? DEFAULT_READ_BUCKET.refillPerSecond,
  });
}

function resolveTimeScale(value: number | string | undefined): number {
  if (value === undefined || value === '') return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`timeScale (ACI_EMULATOR_TIME_SCALE) must be a positive number, not "${value}"`);
  }
  return scale;
}

function resolveRefillMs(value: number | string | undefined): number {
  if (value === undefined || value === '') return 3_000;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(
      `standbyRefillMs (ACI_EMULATOR_STANDBY_REFILL_MS) must be a non-negative number, not "${value}"`,
    );
  }
  return ms;
}

function resolveRuntime(value: string | undefined): ContainerRuntime {
  if (value === undefined || value === '' || value === 'process') return 'process';
  if (value === 'inert') return 'inert';
  throw new Error(
    `containerRuntime (ACI_EMULATOR_CONTAINER_RUNTIME) must be "process" or "inert", not "${value}"`,
  );
}

function parseJsonEnv(env: NodeJS.ProcessEnv, name: string): unknown {
  const text = env[name];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
}

function resolveLatency(value: Partial<LatencyProfile> | string): LatencyProfile {
  if (typeof value !== 'string') return { ...LATENCY_PROFILES.instant, ...latencySchema.parse(value) };
  if (value in LATENCY_PROFILES) return LATENCY_PROFILES[value as LatencyProfileName];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(
      `ACI_EMULATOR_LATENCY must be ${Object.keys(LATENCY_PROFILES).join(' or ')} or a JSON object`,
    );
  }
  return { ...LATENCY_PROFILES.instant, ...latencySchema.parse(parsed) };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
