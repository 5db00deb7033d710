/**
 * `npm run api` (`node dist/api/main.js` in the container image): the HTTP API as its own process. Tenants
 * submit and follow jobs; containers report back through the callback routes.
 *
 *   ACI_BATCH_API_HOST, ACI_BATCH_API_PORT              where to listen (127.0.0.1:8080)
 *   ACI_BATCH_API_KEYS                                  tenant API keys, "acme=key1,acme=key2,globex=key3"
 *   ACI_BATCH_CALLBACK_SECRET                           checks the per-run callback tokens (shared with the worker)
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE    see src/config.ts
 *   ACI_BATCH_CALLBACK_BASE_URL, ACI_BATCH_CONTAINER_TEMPORAL_*, ACI_PRICE_*   job settings (src/client/job-settings.ts)
 *   ACI_BATCH_PAYLOAD_KEYS, ACI_BATCH_CODEC_*           payload encryption, codec endpoint (src/security/data-converter.ts)
 *   ACI_BATCH_LOG_LEVEL, OTEL_*, APPLICATIONINSIGHTS_CONNECTION_STRING   logs and traces (src/observability/config.ts)
 *   ACI_BATCH_STORAGE_*                                 the log archive and outputs it serves and grants (src/storage/config.ts)
 *
 * When neither ACI_BATCH_CALLBACK_BASE_URL nor ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS is set, containers are
 * told to report to this process's own address: right for the local emulator, whose containers are local
 * processes, but not reachable from Azure (a warning says so).
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JobClient, loadJobSettings } from '../client';
import { loadAll, loadTemporalConfig, parseEnv, type TemporalConfig } from '../config';
import { loadObservabilityConfig, type ObservabilityConfig } from '../observability/config';
import { jsonLoggerOptions } from '../observability/logger';
import { startTracing } from '../observability/tracing';
import { ApiKeys } from '../security/api-keys';
import { dataConverterOf, loadPayloadEncryption, type PayloadEncryption } from '../security/data-converter';
import { tenantSchema } from '../shared/job-spec';
import { secret, wholeNumber } from '../shared/validation';
import { loadStorageConfig, type StorageConfig } from '../storage/config';
import { RunStorage } from '../storage/run-storage';
import type { JobSettings } from '../shared/job-settings';
import { apiConnectionOptions, buildApiServer } from './server';

/** The service name of its logs and traces (OTEL_SERVICE_NAME overrides it for traces). */
export const API_SERVICE_NAME = 'aci-batch-api';

const apiKeysSchema = z
  .string({ error: 'is required: tenant API keys as "tenant=key,tenant2=key2" (keys of 16+ characters)' })
  .transform((text, ctx) => {
    const pairs = text
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean);
    if (pairs.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one "tenant=key" pair' });
      return z.NEVER;
    }
    for (const pair of pairs) {
      const tenant = pair.slice(0, Math.max(0, pair.indexOf('=')));
      if (tenant && !tenantSchema.safeParse(tenant).success) {
        ctx.addIssue({
          code: 'custom',
          message: `tenant "${tenant}" is not a valid tenant name (lowercase letters, digits and single hyphens, at most 24)`,
        });
        return z.NEVER;
      }
    }
    try {
      return ApiKeys.parse(text);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be "tenant=key" pairs separated by commas, each key at least 16 characters',
      });
      return z.NEVER;
    }
  });

const apiEnv = z.object({
  ACI_BATCH_API_HOST: z.string().min(1).default('127.0.0.1'),
  ACI_BATCH_API_PORT: wholeNumber(0, 65535).default(8080),
  ACI_BATCH_API_KEYS: apiKeysSchema,
  ACI_BATCH_CALLBACK_SECRET: secret(
    'is required: the secret the worker signs run tokens with (the same value on both)',
  ),
});

/**
 * The API's own variables; it also reads TEMPORAL_ENV_VARS, JOB_SETTINGS_ENV_VARS, OBSERVABILITY_ENV_VARS and
 * the payload encryption's (src/security/data-converter.ts).
 */
export const API_ENV_VARS: readonly string[] = Object.keys(apiEnv.shape);

export interface ApiConfig {
  host: string;
  port: number;
  apiKeys: ApiKeys;
  callbackSecret: string;
  temporal: TemporalConfig;
  /** logs (ACI_BATCH_LOG_LEVEL) and traces */
  observability: ObservabilityConfig;
  /** absent: payloads in clear (ACI_BATCH_PAYLOAD_KEYS unset) */
  encryption?: PayloadEncryption;
  /** from the environment; `callbackBaseUrl` may still be filled in once the server listens */
  jobSettings: JobSettings;
  /** the log archive and outputs; absent: the API serves neither and grants no uploads */
  storage?: StorageConfig;
}

/**
 * Reads the API's settings: its own, the Temporal connection's, the job settings', payload encryption and
 * observability. Throws one ConfigError naming every bad or missing variable.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const { parsed, temporal, jobSettings, observability, encryption, storage } = loadAll({
    parsed: () => parseEnv(apiEnv, env),
    temporal: () => loadTemporalConfig(env),
    jobSettings: () => loadJobSettings(env),
    observability: () => loadObservabilityConfig(env),
    encryption: () => loadPayloadEncryption(env),
    storage: () => loadStorageConfig(env),
  });
  return {
    host: parsed.ACI_BATCH_API_HOST,
    port: parsed.ACI_BATCH_API_PORT,
    apiKeys: parsed.ACI_BATCH_API_KEYS,
    callbackSecret: parsed.ACI_BATCH_CALLBACK_SECRET,
    temporal,
    jobSettings,
    observability,
    encryption,
    storage,
  };
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  /** closes the server (in-flight requests finish first), then the Temporal connection; idempotent */
  close(): Promise<void>;
}

/** Starts tracing (when configured), connects to Temporal, builds the server and listens. */
export async function startApi(config: ApiConfig): Promise<RunningApi> {
  const tracing = await startTracing(config.observability.tracing, API_SERVICE_NAME);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(apiConnectionOptions(config.temporal.address));
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      // the same keys as the workers', or the API could neither write job inputs nor read results
      dataConverter: dataConverterOf(config.encryption),
      plugins: tracing ? [tracing.plugin] : [],
    });
    // filled in below when the API's own address is the callback base: the job client reads it per submission
    const settings: JobSettings = { ...config.jobSettings };
    const app = await buildApiServer({
      jobs: new JobClient(client, { taskQueue: config.temporal.taskQueue, settings }),
      apiKeys: config.apiKeys,
      callbackSecret: config.callbackSecret,
      codecEndpoint: config.encryption?.codecEndpoint,
      storage: config.storage && new RunStorage(config.storage),
      // JSON lines; keys, tokens and secrets redacted wherever they appear
      logger: jsonLoggerOptions(API_SERVICE_NAME, config.observability.logLevel),
    });
    const url = await app.listen({ host: config.host, port: config.port });
    if (!settings.callbackBaseUrl && !settings.temporal) {
      settings.callbackBaseUrl = `${url}/v1`;
      app.log.warn(
        { callbackBaseUrl: settings.callbackBaseUrl },
        'ACI_BATCH_CALLBACK_BASE_URL is not set: containers report to this address, which only local ' +
          'containers (the emulator) can reach; set it to the public URL of this API for Azure',
      );
    }
    app.log.info(
      {
        url,
        temporal: config.temporal.address,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        payloadEncryption: config.encryption !== undefined,
        codecEndpoint: config.encryption?.codecEndpoint !== undefined,
        tracing: tracing !== undefined,
        storage: config.storage !== undefined,
      },
      'aci-batch API listening',
    );
    const opened = connection;
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await opened.close();
          await tracing?.shutdown();
        }
      })());
    return { app, url, close };
  } catch (error) {
    await connection?.close();
    await tracing?.shutdown();
    throw error;
  }
}

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const config = loadApiConfig();
  const api = await startApi(config);
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      api.app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    api.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      api.app.log.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        api.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown).on('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
