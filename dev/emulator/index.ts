/**
 * # Local ACI emulator
 *
 * An HTTPS server that answers the ARM API of `Microsoft.ContainerInstance/containerGroups` the way Azure
 * does (201 + Azure-AsyncOperation, op status Pending → Creating → Succeeded|Failed, 204 restart with
 * Azure-AsyncOperation, 202 start, 204 stop, 200/204 delete, paging, logs, real error bodies, rate-limit
 * headers) and runs each container as a local process, so the stock `@azure/arm-containerinstance` client
 * works against it unchanged.
 *
 * ```ts
 * import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
 * import { startEmulator } from '../../src/src/emulator';
 * import { emulatorCredential } from '../../src/src/azure/client';
 *
 * const emulator = await startEmulator({ quotas: { cores: 10 } });
 * const client = new ContainerInstanceManagementClient(emulatorCredential, 'sub', emulator.clientOptions());
 * await client.containerGroups.beginCreateOrUpdateAndWait('rg', 'job-1', group, { updateIntervalInMs: 20 });
 * emulator.faults.add({ kind: 'throttle', operation: 'get', retryAfterSeconds: 1, times: 2 });
 * emulator.groups();            // snapshot: states, exit codes, pids, 127.0.0.x addresses
 * emulator.requests.all();      // request log with high-resolution arrival times
 * await emulator.close();       // kills every process it started
 * ```
 *
 * - Images map to local commands through a YAML catalogue (`emulator.images.yaml`; see that file). A
 *   container's `command` replaces the image's entrypoint; an unknown image fails with InaccessibleImage.
 * - Each group gets its own loopback address (127.0.0.2, .3, ...), passed to its processes as
 *   `ACI_EMULATOR_IP` and shown as `ipAddress.ip` when the group asks for an IP address.
 * - Environment: `ACI_EMULATOR_IMAGES` (images file), `ACI_EMULATOR_FAULTS` (JSON array of fault rules),
 *   `ACI_EMULATOR_LATENCY` ('instant' | 'realistic' | JSON `{provisioningMs,startMs,deleteMs}`); options win.
 * - Faults (`emulator.faults.add(rule)`): `throttle` (429, optional Retry-After), `serverError` (500/503),
 *   `transitioning` (409) on any HTTP operation; `quotaReached` on PUT; `slowProvisioning` and
 *   `operationFailed` (InaccessibleImage | ServiceUnavailable) on create/start/restart. See faults.ts.
 *
 * Options (all optional; see options.ts):
 * - Server and processes: `port`, `images` | `imagesFile`, `latency`, `faults`, `pageSize`, `region`,
 *   `missingResourceGroups`, `killGraceMs`, `caFile`, `requestLogLimit`, `env`.
 * - Accounts: every (subscription, region) is an ACI account with its own quotas, create/delete budgets, Spot
 *   availability and capacity outage (accounts.ts). Defaults for all: `quotas` ({ containerGroups: 100,
 *   cores: 100, spotCores: 10 }) and `rateLimits` ({ createsPerHour: 300, createsPer5Min: 100, deletesPerHour:
 *   300, deletesPer5Min: 100 }). Overrides: `regions: { [region]: { quotas?, rateLimits?, spot?, outage? } }`
 *   (env ACI_EMULATOR_REGIONS, JSON), then `accounts: [{ subscriptionId?, region, quotas?, rateLimits?, spot?,
 *   outage? }]`. `spot` defaults to true only in eastus2, westeurope and westus. `outage`: `true` | `false` |
 *   `{ start?, end?, durationMs? }` — while it holds, a PUT that needs a deployment answers 409
 *   ServiceUnavailable ("The requested resource is not available in the location '<region>' at this moment...").
 * - Spot (`properties.priority: 'Spot'`): refused (400) where the account has no Spot, with a public IP, or above
 *   4 vCPU / 16 GB; counts against `spotCores` (StandardSpotCores) instead of `cores` (StandardCores).
 * - `readBucket: { capacity: 250, refillPerSecond: 25 } | false` (env ACI_EMULATOR_READ_BUCKET): ARM's read
 *   token bucket, one per subscription; a GET without a token is 429 SubscriptionRequestsThrottled + Retry-After.
 * - `timeScale` (env ACI_EMULATOR_TIME_SCALE, default 1): compresses the create/delete windows and their
 *   Retry-After (0.01: 5 min → 3 s, 1 h → 36 s); not the read bucket, not outage windows.
 * - Usages API: `GET /subscriptions/{sub}/providers/Microsoft.ContainerInstance/locations/{region}/usages`
 *   (`client.location.listUsage(region)`): ContainerGroups, StandardCores, StandardSpotCores,
 *   DedicatedContainerGroups for that subscription and region.
 * - Runtime: `emulator.setOutage(region, true | false | { durationMs }, subscriptionId?)`,
 *   `emulator.configureAccount(region, { quotas?, rateLimits?, spot?, outage? }, subscriptionId?)`,
 *   `emulator.account(subscriptionId, region)`, `emulator.usage(subscriptionId, region)`,
 *   `emulator.setReadBucket({ capacity?, refillPerSecond? } | false)`.
 * - The request log records each answer's ARM error `code`, `retryAfter`, `subscriptionId` and `region`;
 *   `emulator.requests.limited()` lists the 429s and quota refusals.
 * - It listens on 127.0.0.1 only and runs whatever commands it is sent: a development tool, not a sandbox.
 * - Standalone: `npm run emulator` (scripts/emulator.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  Accounts,
  DEFAULT_SPOT_REGIONS,
  type AccountOverrides,
  type AccountSettings,
  type OutageSetting,
} from './accounts';
import { ContainerGroupEngine, type AccountUsage, type GroupSnapshot } from './engine';
import { FaultInjector } from './faults';
import { resolveOptions, type EmulatorOptions } from './options';
import { RateLimiter } from './rate-limits';
import { ReadThrottle, type ReadBucket } from './read-throttle';
import { RequestLog } from './request-log';
import { createServer } from './server';
import { generateTls } from './tls';

export type { AccountOverrides, AccountSettings, AccountSpec, OutageSetting, OutageWindow } from './accounts';
export { DEFAULT_SPOT_REGIONS } from './accounts';
export type { AccountUsage, GroupSnapshot, LatencyProfile, Quotas } from './engine';
export { DEFAULT_QUOTAS, SPOT_MAX } from './engine';
export type { FaultKind, FaultSpec, HttpOperation, InjectedFault, ProvisioningOperation } from './faults';
export { FaultInjector } from './faults';
export type { ImageEntry, ImageMap } from './images';
export { LATENCY_PROFILES, type EmulatorOptions, type LatencyProfileName } from './options';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits';
export { DEFAULT_READ_BUCKET, type ReadBucket } from './read-throttle';
export { RequestLog, type RequestFilter, type RequestLogEntry } from './request-log';

export interface Emulator {
  /** https://127.0.0.1:PORT — the ARM endpoint to give the SDK */
  readonly endpoint: string;
  readonly port: number;
  /** the CA that signed the server certificate (pass as `tlsOptions.ca`) */
  readonly caPem: string;
  /** where the CA was written, when `caFile` was given */
  readonly caPath?: string;
  readonly faults: FaultInjector;
  readonly requests: RequestLog;
  /** `{ endpoint, tlsOptions: { ca } }` for `new ContainerInstanceManagementClient(credential, sub, ...)` */
  clientOptions(): { endpoint: string; tlsOptions: { ca: string } };
  /** the container groups now, for assertions */
  groups(): GroupSnapshot[];
  /**
   * Starts (`true`, or a window such as `{ durationMs: 5000 }`) or ends (`false`) a capacity outage in a
   * region: every subscription, or only `subscriptionId`.
   */
  setOutage(region: string, outage: OutageSetting, subscriptionId?: string): void;
  /** Changes a region's settings (every subscription), or one account's; quotas and rate limits merge. */
  configureAccount(region: string, overrides: AccountOverrides, subscriptionId?: string): void;
  /** An account's effective settings. */
  account(subscriptionId: string, region: string): AccountSettings;
  /** What counts against an account's quotas now (the Usages API's currentValues). */
  usage(subscriptionId: string, region: string): AccountUsage;
  /** Resizes the read bucket (or `false`: no read throttling). */
  setReadBucket(bucket: Partial<ReadBucket> | false): void;
  /** stops the server and kills every process the emulator started */
  close(): Promise<void>;
}

/** A credential the emulator accepts (it ignores tokens); the SDK needs one to send requests at all. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const tls = await generateTls();
  if (resolved.caFile) {
    await mkdir(dirname(resolved.caFile), { recursive: true });
    await writeFile(resolved.caFile, tls.caPem);
  }
  const faults = new FaultInjector(resolved.faults);
  const requests = new RequestLog(resolved.requestLogLimit);
  const accounts = new Accounts(
    { quotas: resolved.quotas, rateLimits: resolved.rateLimits, spotRegions: DEFAULT_SPOT_REGIONS },
    resolved.accounts,
  );
  const readThrottle = new ReadThrottle(resolved.readBucket);
  const engine = new ContainerGroupEngine(
    {
      images: resolved.images,
      accounts,
      latency: resolved.latency,
      killGraceMs: resolved.killGraceMs,
    },
    faults,
  );
  const app = createServer({
    tls,
    engine,
    accounts,
    faults,
    requests,
    rateLimiter: new RateLimiter(resolved.rateLimits, resolved.timeScale),
    readThrottle,
    pageSize: resolved.pageSize,
    region: resolved.region,
    missingResourceGroups: resolved.missingResourceGroups,
  });
  await app.listen({ host: '127.0.0.1', port: resolved.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error('The emulator is not listening on TCP');
  const endpoint = `https://127.0.0.1:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port: address.port,
    caPem: tls.caPem,
    ...(resolved.caFile !== undefined && { caPath: resolved.caFile }),
    faults,
    requests,
    clientOptions: () => ({ endpoint, tlsOptions: { ca: tls.caPem } }),
    groups: () => engine.snapshot(),
    setOutage: (region, outage, subscriptionId) => accounts.setOutage(region, outage, subscriptionId),
    configureAccount: (region, overrides, subscriptionId) =>
      accounts.configure(region, overrides, subscriptionId),
    account: (subscriptionId, region) => accounts.settings(subscriptionId, region),
    usage: (subscriptionId, region) => engine.usage(subscriptionId, region),
    setReadBucket: (bucket) => readThrottle.configure(bucket),
    close: () => {
      // in-flight requests finish first (they may still spawn or kill), then every process goes
      closing ??= app.close().then(() => engine.close());
      return closing;
    },
  };
}
