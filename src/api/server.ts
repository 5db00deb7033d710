/**
 * The HTTP API on Fastify: job submission and status for tenants, callbacks for containers, the OpenAPI
 * document at /openapi.json. Structured request logs (pino) carry no secrets: Authorization headers and
 * bodies are never logged.
 */
import swagger from '@fastify/swagger';
import {
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import {
  isTemporalUnavailable,
  JobFinishedError,
  JobNotFinishedError,
  JobNotFoundError,
  NothingToRerunError,
  RunNotFoundError,
  ScheduleExistsError,
  ScheduleNotFoundError,
  type JobClient,
} from '../client';
import type { ApiKeys } from '../security/api-keys';
import { RunTokens } from '../security/run-tokens';
import { traceHttpRequests } from '../observability/http-tracing';
import { JobSpecError } from '../shared/job-spec';
import { ScheduleSpecError } from '../shared/schedule-spec';
import type { CodecEndpointOptions } from '../security/data-converter';
import type { RunStorage } from '../storage/run-storage';
import { registerCodecRoutes } from './codec-routes';
import { defaultConsoleDir, registerConsoleRoutes } from './console-routes';
import { ApiError, errorBody } from './errors';
import { registerJobsRoutes } from './jobs-routes';
import { registerRunsRoutes } from './runs-routes';
import { registerSchedulesRoutes } from './schedules-routes';
import { registerTenantRoutes } from './tenant-routes';

export interface ApiServerOptions {
  /** submits and reads jobs; its settings say how containers report back */
  jobs: JobClient;
  apiKeys: ApiKeys;
  /** the secret run tokens are signed with (shared with the workers); also seals the list's page tokens */
  callbackSecret: string;
  logger?: FastifyServerOptions['logger'];
  /** the Web UI's codec endpoint, when payloads are encrypted and a codec token is set */
  codecEndpoint?: CodecEndpointOptions;
  /** the runs' log archive and outputs: serves them to tenants, grants uploads to containers */
  storage?: RunStorage;
  /** the built tenant console served under /console/ (default dist/console); false: no console */
  consoleDir?: string | false;
}

/** How long clients wait before retrying while Temporal is away (a server restart takes seconds). */
const TEMPORAL_RETRY_AFTER_SECONDS = 5;

/**
 * The API's Temporal connection retries an unavailable server briefly (about 1 s in all, not the SDK's
 * default of half a minute), so that a request answers 503 promptly and its client retries instead.
 */
export function apiConnectionOptions(address: string): ConnectionOptions {
  return {
    address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 }))],
  };
}

/** A job spec is small; a megabyte leaves room for a thousand per-instance parameter sets. */
const JOB_BODY_LIMIT = 1024 * 1024;

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: JOB_BODY_LIMIT,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    // a malformed URL (400) or an over-long path parameter (414) is refused before routing: same error body
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply.code(error.statusCode ?? 400).send(errorBody(clientErrorCode(error), error.message));
    },
  });
  // a no-op until tracing is started in this process (src/observability/tracing.ts)
  traceHttpRequests(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'aci-batch',
        version: '1',
        description: 'Batch jobs on Azure Container Instances, orchestrated by Temporal',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'a tenant API key' },
          runToken: {
            type: 'http',
            scheme: 'bearer',
            description: "the run's callback token (ACI_BATCH_CALLBACK_TOKEN)",
          },
        },
      },
    },
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError)
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.details));
    if (
      error instanceof JobNotFoundError ||
      error instanceof RunNotFoundError ||
      error instanceof ScheduleNotFoundError
    ) {
      return reply.code(404).send(errorBody('NotFound', error.message));
    }
    if (
      error instanceof JobFinishedError ||
      error instanceof JobNotFinishedError ||
      error instanceof NothingToRerunError ||
      error instanceof ScheduleExistsError
    ) {
      return reply.code(409).send(errorBody(error.code, error.message));
    }
    if (error instanceof ScheduleSpecError) {
      return reply.code(400).send(errorBody('InvalidSchedule', error.message, error.problems));
    }
    if (error instanceof JobSpecError) {
      return reply.code(400).send(errorBody('InvalidJobSpec', error.message, error.problems));
    }
    if (error.validation) return reply.code(400).send(errorBody('InvalidRequest', error.message));
    if (isTemporalUnavailable(error)) {
      request.log.warn({ err: error }, 'Temporal is unavailable');
      return reply
        .code(503)
        .header('retry-after', String(TEMPORAL_RETRY_AFTER_SECONDS))
        .send(
          errorBody(
            'TemporalUnavailable',
            `Temporal does not answer right now (${error.message}); retry in ${TEMPORAL_RETRY_AFTER_SECONDS} seconds.`,
          ),
        );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody(clientErrorCode(error), error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .code(500)
      .send(
        errorBody(
          'InternalError',
          'The request failed on our side; try again, and report it if it persists.',
        ),
      );
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('NotFound', `No route ${request.method} ${request.url}; see /openapi.json.`)),
  );

  await registerJobsRoutes(app, options);
  await registerSchedulesRoutes(app, options);
  await registerTenantRoutes(app, options);
  await registerRunsRoutes(app, {
    client: options.jobs.temporal,
    runTokens: new RunTokens(options.callbackSecret),
    storage: options.storage,
  });
  if (options.codecEndpoint) await registerCodecRoutes(app, options.codecEndpoint);
  if (options.consoleDir !== false) {
    await registerConsoleRoutes(app, options.consoleDir ?? defaultConsoleDir());
  }
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, () => ({ ok: true }));
  return app;
}

function clientErrorCode(error: FastifyError): string {
  if (error.statusCode === 413) return 'BodyTooLarge';
  if (error.statusCode === 414) return 'UriTooLong';
  if (error.statusCode === 415) return 'UnsupportedMediaType';
  return 'BadRequest';
}
