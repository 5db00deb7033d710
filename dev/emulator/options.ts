/**
 * Options of startEmulator(), merged with the ACI_EMULATOR_* environment variables and defaults.
 * Precedence: option, then environment variable, then default.
 */
import { z } from 'zod';
import { DEFAULT_QUOTAS, type LatencyProfile, type Quotas } from './engine';
import { parseFaults, type FaultSpec } from './faults';
import { DEFAULT_IMAGES_FILE, loadImageMap, validateImageMap, type ImageMap } from './images';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits';

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
  quotas?: Partial<Quotas>;
  /** ACI's create/delete budgets per subscription and region */
  rateLimits?: Partial<RateLimits>;
  /** a profile name or explicit durations; default env ACI_EMULATOR_LATENCY (name or JSON), then 'instant' */
  latency?: LatencyProfileName | Partial<LatencyProfile>;
  /** fault rules active from the start; default env ACI_EMULATOR_FAULTS (JSON array) */
  faults?: FaultSpec[];
  /** items per list page before a nextLink (default 100) */
  pageSize?: number;
  /** location used where a request names none, e.g. in x-ms-request-id (default 'eastus') */
  region?: string;
  /** resource groups that do not exist: any request in them gets 404 ResourceGroupNotFound */
  missingResourceGroups?: string[];
  /** SIGTERM → SIGKILL grace when killing a container's processes (default 2000 ms) */
  killGraceMs?: number;
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
  latency: LatencyProfile;
  faults: FaultSpec[];
  pageSize: number;
  region: string;
  missingResourceGroups: string[];
  killGraceMs: number;
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
    latency: resolveLatency(options.latency ?? (env.ACI_EMULATOR_LATENCY || 'instant')),
    faults: options.faults ?? (faultsJson ? parseFaults(faultsJson) : []),
    pageSize: positiveInteger('pageSize', options.pageSize ?? 100),
    region: options.region ?? 'eastus',
    missingResourceGroups: options.missingResourceGroups ?? [],
    killGraceMs: options.killGraceMs ?? 2_000,
    ...(options.caFile !== undefined && { caFile: options.caFile }),
    requestLogLimit: positiveInteger('requestLogLimit', options.requestLogLimit ?? 100_000),
  };
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
