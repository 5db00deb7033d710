/**
 * # Local ACI emulator
 *
 * An HTTPS server that answers the ARM API of `Microsoft.ContainerInstance/containerGroups` (and
 * containerGroupProfiles, and `Microsoft.StandbyPool/standbyContainerGroupPools`) the way Azure
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
 * emulator.groups();            // snapshot: states, priority, exit codes, pids, 127.0.0.x addresses
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
 *   `missingResourceGroups`, `killGraceMs`, `caFile`, `requestLogLimit`, `standbyRefillMs`, `env`.
 * - Accounts: every (subscription, region) is an ACI account with its own quotas, create/delete budgets, Spot
 *   availability and capacity outage (accounts.ts). Defaults for all: `quotas` ({ containerGroups: 100,
 *   cores: 100, spotCores: 10 }) and `rateLimits` ({ createsPerHour: 300, createsPer5Min: 100, deletesPerHour:
 *   300, deletesPer5Min: 100 }). Overrides: `regions: { [region]: { quotas?, rateLimits?, spot?, outage?,
 *   spotEvictions? } }` (env ACI_EMULATOR_REGIONS, JSON), then `accounts: [{ subscriptionId?, region, quotas?,
 *   rateLimits?, spot?, outage?, spotEvictions? }]`. `spot` defaults to true only in eastus2, westeurope and westus. `outage`: `true` | `false` |
 *   `{ start?, end?, durationMs? }` — while it holds, a PUT that needs a deployment answers 409
 *   ServiceUnavailable ("The requested resource is not available in the location '<region>' at this moment...").
 * - Spot (`properties.priority: 'Spot'`): refused (400) where the account has no Spot, with a public IP, or above
 *   4 vCPU / 16 GB; counts against `spotCores` (StandardSpotCores) instead of `cores` (StandardCores).
 * - Spot evictions: `await emulator.evict(resourceGroup, name, { restartAfterMs?, subscriptionId? })` evicts a
 *   running Spot group (a Regular, unknown or not-running group throws). Its processes are killed and
 *   `containerGroups.get` shows (UNCONFIRMED shape, ACI documents none): provisioningState `Repairing`,
 *   instanceView.state `Pending` with an event `{ name: 'Evicted', type: 'Warning', message: 'The container group
 *   was evicted because Azure reclaimed the Spot capacity. ...' }`, each container currentState
 *   `{ state: 'Waiting', detailStatus: 'Evicted' }`, previousState `{ state: 'Terminated', exitCode, detailStatus:
 *   'Evicted' }` and the same Evicted event. An ordinary exit instead shows Terminated/Completed|Error and no
 *   Evicted event. As in ACI the platform restarts the group (`restartAfterMs` later, once no outage holds in the
 *   region): Pending → Creating → Succeeded, Running, restartCount + 1, previousState the evicted run. Without
 *   `restartAfterMs` it stays evicted until a client deletes, stops, starts or re-PUTs it. An evicted group holds
 *   no Spot cores. Automatic evictions per region or account: `spotEvictions: { afterMs, restartAfterMs? }` in
 *   `regions`/`accounts`/`configureAccount` (every running Spot group is evicted `afterMs` after each start;
 *   `false` switches it off).
 * - Container group profiles (`Microsoft.ContainerInstance/containerGroupProfiles`, any api-version, written for
 *   2024-05-01-preview / 2025-09-01): `PUT|GET|DELETE .../resourceGroups/{rg}/providers/
 *   Microsoft.ContainerInstance/containerGroupProfiles/{name}` (synchronous: 201/200, 200, 200/204), list per
 *   resource group and subscription, `GET .../{name}/revisions` and `.../revisions/{n}`. Properties are a
 *   container group's; each PUT that changes them adds a revision (1, 2, ...).
 * - Standby pools (`Microsoft.StandbyPool/standbyContainerGroupPools`, 2025-03-01): `PUT .../resourceGroups/{rg}/
 *   providers/Microsoft.StandbyPool/standbyContainerGroupPools/{name}` (201/200 + Azure-AsyncOperation, body
 *   `{ location, properties: { elasticityProfile: { maxReadyCapacity, refillPolicy: 'always' },
 *   containerGroupProperties: { containerGroupProfile: { id, revision }, subnetIds? } } }`), GET, list, DELETE
 *   (202 + Location, polled to 204; 204 when absent), `GET .../{name}/runtimeViews/latest` (instances creating /
 *   running / deleting, health). A pool keeps maxReadyCapacity warm groups ready: provisioned with the profile's
 *   containers running (as ACI documents); each takes `standbyRefillMs` (option, env
 *   ACI_EMULATOR_STANDBY_REFILL_MS, default 3000 ms, not time-scaled) after the pool is made or a group taken.
 *   Warm groups count against the account's quotas (ContainerGroups and cores) but are not listed; a refill the
 *   quota or an outage refuses waits (runtime view: HealthState/degraded). `emulator.standbyPools()`: snapshot.
 * - Warm start: a container group PUT with api-version >= 2024-05-01-preview whose properties carry only
 *   `containerGroupProfile { id, revision }`, `standbyPoolProfile { id, failContainerGroupCreateOnReuseFailure? }`,
 *   per-container `configMap { keyValuePairs }` (and `subnetIds`; location, tags and identity at the top level;
 *   anything else: 400 BadRequest "ContainerGroup properties other than config map are not allowed"). The group
 *   is the profile revision plus the request's config maps, identity, tags. With a ready warm group of that
 *   profile revision in the pool (same subscription and region) the group IS that warm group: 201, its
 *   processes keep running, the operation takes only `latency.startMs`, `isCreatedFromStandbyPool: true`.
 *   Otherwise a fresh create (full provisioning latency, `isCreatedFromStandbyPool: false`), or with
 *   `failContainerGroupCreateOnReuseFailure: true` 400 `StandyPoolReservationFailed` (sic; message names
 *   InsufficientContainerGroups; UNCONFIRMED). Older api-versions ignore these properties (the body is read
 *   as a 2023-05-01 group). SDK 9.1.0 cannot send these bodies: clients call them through the SDK client's
 *   own pipeline with an explicit api-version (`armCall` / `armPutAndWait` in test/emulator/helpers.ts).
 * - Config maps reach a container as files, as ACI mounts them at `/mnt/configmap/<container>/<key>`: the
 *   group's stand-in folder is in `ACI_EMULATOR_CONFIGMAP_DIR` (GroupSnapshot.configMapDir), so a container
 *   reads `${ACI_EMULATOR_CONFIGMAP_DIR ?? '/mnt/configmap'}/<its name>/<key>`. Files appear before a fresh
 *   group's processes start, at once in a warm group (whose process is already running: it must poll), and a
 *   PUT that changes only config maps rewrites them in place without a restart. Not environment variables.
 * - `readBucket: { capacity: 250, refillPerSecond: 25 } | false` (env ACI_EMULATOR_READ_BUCKET): ARM's read
 *   token bucket, one per subscription; a GET without a token is 429 SubscriptionRequestsThrottled + Retry-After.
 * - `timeScale` (env ACI_EMULATOR_TIME_SCALE, default 1): compresses the create/delete windows and their
 *   Retry-After (0.01: 5 min → 3 s, 1 h → 36 s); not the read bucket, not outage windows.
 * - Usages API: `GET /subscriptions/{sub}/providers/Microsoft.ContainerInstance/locations/{region}/usages`
 *   (`client.location.listUsage(region)`): ContainerGroups, StandardCores, StandardSpotCores,
 *   DedicatedContainerGroups for that subscription and region.
 * - Runtime: `emulator.setOutage(region, true | false | { durationMs }, subscriptionId?)`,
 *   `emulator.configureAccount(region, { quotas?, rateLimits?, spot?, outage?, spotEvictions? }, subscriptionId?)`,
 *   `emulator.account(subscriptionId, region)`, `emulator.usage(subscriptionId, region)`,
 *   `emulator.setReadBucket({ capacity?, refillPerSecond? } | false)`, `emulator.evict(rg, name, options?)`,
 *   `emulator.standbyPools()`.
 * - The request log records each answer's ARM error `code`, `retryAfter`, `subscriptionId`, `region` and
 *   `apiVersion` (filter `{ apiVersion }`); for every PUT a `body` summary (top-level and `properties` keys,
 *   `priority`, the containerGroupProfile / standbyPoolProfile references, config map keys per container,
 *   identity type and ids: never values), and for a container group PUT that named a pool
 *   `isCreatedFromStandbyPool`. `emulator.requests.limited()` lists the 429s and quota refusals.
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
import { ContainerGroupEngine, type AccountUsage, type EvictOptions, type GroupSnapshot } from './engine';
import { FaultInjector } from './faults';
import { resolveOptions, type EmulatorOptions } from './options';
import { RateLimiter } from './rate-limits';
import { ReadThrottle, type ReadBucket } from './read-throttle';
import { RequestLog } from './request-log';
import { createServer } from './server';
import type { StandbyPoolSnapshot } from './standby';
import { generateTls } from './tls';

export type {
  AccountOverrides,
  AccountSettings,
  AccountSpec,
  OutageSetting,
  OutageWindow,
  SpotEvictions,
} from './accounts';
export { DEFAULT_SPOT_REGIONS } from './accounts';
export type { AccountUsage, EvictOptions, GroupSnapshot, LatencyProfile, Quotas } from './engine';
export { CONFIG_MAP_DIR_ENV } from './config-maps';
export { PROFILES_API_VERSION, type ProfileRef } from './profiles';
export type { PoolHealth, StandbyPoolSnapshot } from './standby';
export { DEFAULT_QUOTAS, SPOT_MAX } from './engine';
export type { FaultKind, FaultSpec, HttpOperation, InjectedFault, ProvisioningOperation } from './faults';
export { FaultInjector } from './faults';
export type { ImageEntry, ImageMap } from './images';
export { LATENCY_PROFILES, type EmulatorOptions, type LatencyProfileName } from './options';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits';
export { DEFAULT_READ_BUCKET, type ReadBucket } from './read-throttle';
export { RequestLog, type BodySummary, type RequestFilter, type RequestLogEntry } from './request-log';

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
  /** the container groups now, for assertions (not the standby pools' warm groups: see standbyPools()) */
  groups(): GroupSnapshot[];
  /** the standby pools now: capacity, warm groups ready (names, pids) and being made, health */
  standbyPools(): StandbyPoolSnapshot[];
  /**
   * Evicts a running Spot container group as ACI does when it reclaims Spot capacity: its processes are
   * killed, `containerGroups.get` shows the eviction, and the platform restarts the group after
   * `restartAfterMs` (never when undefined: it stays evicted until deleted, stopped or restarted by a
   * client). Without `subscriptionId`, the one group of that name in any subscription. Throws for a Regular
   * group, an unknown one, or one that is not running.
   */
  evict(
    resourceGroup: string,
    name: string,
    options?: EvictOptions & { subscriptionId?: string },
  ): Promise<void>;
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
  /** SIGKILLs every process the emulator started, synchronously: for a forced exit that cannot await close() */
  killProcesses(): void;
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
      standbyRefillMs: resolved.standbyRefillMs,
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
    standbyPools: () => engine.pools.snapshot(),
    evict: (resourceGroup, name, { subscriptionId, ...options } = {}) =>
      engine.evict(engine.locate(resourceGroup, name, subscriptionId), options),
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
    killProcesses: () => engine.killNow(),
  };
}
