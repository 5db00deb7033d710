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
 * - It listens on 127.0.0.1 only and runs whatever commands it is sent: a development tool, not a sandbox.
 * - Standalone: `npm run emulator` (scripts/emulator.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ContainerGroupEngine, type GroupSnapshot } from './engine';
import { FaultInjector } from './faults';
import { resolveOptions, type EmulatorOptions } from './options';
import { RateLimiter } from './rate-limits';
import { RequestLog } from './request-log';
import { createServer } from './server';
import { generateTls } from './tls';

export type { GroupSnapshot, LatencyProfile, Quotas } from './engine';
export type { FaultKind, FaultSpec, HttpOperation, InjectedFault, ProvisioningOperation } from './faults';
export { FaultInjector } from './faults';
export type { ImageEntry, ImageMap } from './images';
export { LATENCY_PROFILES, type EmulatorOptions, type LatencyProfileName } from './options';
export type { RateLimits } from './rate-limits';
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
  const engine = new ContainerGroupEngine(
    {
      images: resolved.images,
      quotas: resolved.quotas,
      latency: resolved.latency,
      killGraceMs: resolved.killGraceMs,
    },
    faults,
  );
  const app = createServer({
    tls,
    engine,
    faults,
    requests,
    rateLimiter: new RateLimiter(resolved.rateLimits),
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
    close: () => {
      // in-flight requests finish first (they may still spawn or kill), then every process goes
      closing ??= app.close().then(() => engine.close());
      return closing;
    },
  };
}
