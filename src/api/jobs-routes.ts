/**
 * Job routes for tenants: submit (`POST /v1/jobs`, the HTTP trigger of the original design), read one
 * (`GET /v1/jobs/:jobId`), list (`GET /v1/jobs`), cancel (`POST /v1/jobs/:jobId/cancel`). Every request is
 * authenticated by a tenant API key and sees only that tenant's jobs (a job's workflow id starts with it).
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  cancelJob,
  getJobHandle,
  getJobStatus,
  getRunHandle,
  listJobs,
  startJob,
  type StartJobOptions,
} from '../client';
import { runProgressQuery } from '../shared/messages';
import type { ApiKeys } from '../security/api-keys';
import { jobSpecSchema } from '../shared/job-spec';
import type { JobSummary } from '../shared/messages';
import { bearerToken } from './bearer';
import { ApiError } from './errors';
import { PageTokens } from './page-tokens';

export interface JobsRoutesOptions extends StartJobOptions {
  client: Client;
  apiKeys: ApiKeys;
  /** the API's secret (it also signs run tokens); seals the list's page tokens */
  callbackSecret: string;
}

const jobIdParams = {
  type: 'object',
  properties: { jobId: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 40 } },
  required: ['jobId'],
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['Running', 'Completed', 'PartiallyFailed', 'Failed', 'Cancelled'] },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    pageToken: { type: 'string', maxLength: 4096 },
  },
} as const;

const instanceParams = {
  type: 'object',
  properties: { ...jobIdParams.properties, index: { type: 'integer', minimum: 0, maximum: 100_000 } },
  required: ['jobId', 'index'],
} as const;

type JobRequest = FastifyRequest<{ Params: { jobId: string } }>;
type InstanceRequest = FastifyRequest<{ Params: { jobId: string; index: number } }>;

export async function registerJobsRoutes(app: FastifyInstance, options: JobsRoutesOptions): Promise<void> {
  const { client, apiKeys } = options;
  const pageTokens = new PageTokens(options.callbackSecret);
  const tenantOf = (request: FastifyRequest): string => {
    const key = bearerToken(request) || String(request.headers['x-api-key'] ?? '');
    const tenant = key ? apiKeys.tenantOf(key) : undefined;
    if (!tenant) {
      throw new ApiError(401, 'InvalidApiKey', 'Send your tenant API key as "Authorization: Bearer <key>".');
    }
    return tenant;
  };
  const security = [{ apiKey: [] }];

  app.post(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job (idempotent by jobId or Idempotency-Key)',
        security,
        body: z.toJSONSchema(jobSpecSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }),
      },
      // the shared schema validates (with its own messages); the JSON schema above documents the body
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const spec = ownedSpec(request.body, tenant, request.headers['idempotency-key']);
      const job = await startJob(client, spec, options);
      return reply.code(job.started ? 202 : 200).send({
        jobId: job.jobId,
        workflowId: job.workflowId,
        created: job.started,
        statusUrl: `/v1/jobs/${job.jobId}`,
      });
    },
  );

  app.get(
    '/v1/jobs',
    { schema: { tags: ['jobs'], summary: "List the tenant's jobs", security, querystring: listQuery } },
    async (request) => {
      const query = request.query as {
        status?: string;
        since?: string;
        until?: string;
        pageSize?: number;
        pageToken?: string;
      };
      const tenant = tenantOf(request);
      const page = await listJobs(client, {
        tenant,
        status: query.status,
        startedAfter: query.since ? new Date(query.since) : undefined,
        startedBefore: query.until ? new Date(query.until) : undefined,
        pageSize: query.pageSize,
        pageToken: pageTokens.open(tenant, query.pageToken),
      });
      return { ...page, nextPageToken: pageTokens.seal(tenant, page.nextPageToken) };
    },
  );

  app.get(
    '/v1/jobs/:jobId',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Status, progress and (when done) the result of a job',
        security,
        params: jobIdParams,
      },
    },
    async (request: JobRequest) => {
      const tenant = tenantOf(request);
      const { jobId } = request.params;
      const state = await jobState(client, tenant, jobId);
      if (state === 'RUNNING') {
        return { jobId, tenant, state: 'Running', status: await getJobStatus(client, tenant, jobId) };
      }
      if (state === 'COMPLETED') {
        const result: JobSummary = await getJobHandle(client, tenant, jobId).result();
        return { jobId, tenant, state: result.outcome, result };
      }
      return { jobId, tenant, state: workflowStateName(state) };
    },
  );

  app.get(
    '/v1/jobs/:jobId/instances/:index',
    {
      schema: {
        tags: ['jobs'],
        summary: "One instance: its live progress, or its result with the container's result and log tail",
        security,
        params: instanceParams,
      },
    },
    async (request: InstanceRequest) => {
      const tenant = tenantOf(request);
      const { jobId, index } = request.params;
      const handle = getRunHandle(client, tenant, jobId, index);
      const state = await describeState(handle, `No instance ${index} of job ${jobId}.`);
      if (state === 'RUNNING')
        return { jobId, index, state: 'Running', progress: await handle.query(runProgressQuery) };
      if (state === 'COMPLETED') return { jobId, index, state: 'Finished', result: await handle.result() };
      return { jobId, index, state: workflowStateName(state) };
    },
  );

  app.post(
    '/v1/jobs/:jobId/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job; every container group is cleaned up',
        security,
        params: jobIdParams,
      },
    },
    async (request: JobRequest, reply) => {
      const tenant = tenantOf(request);
      const { jobId } = request.params;
      const state = await jobState(client, tenant, jobId);
      if (state !== 'RUNNING') {
        throw new ApiError(
          409,
          'JobFinished',
          `Job ${jobId} has already finished (${workflowStateName(state)}).`,
        );
      }
      await cancelJob(client, tenant, jobId);
      return reply.code(202).send({ jobId, cancelling: true });
    },
  );
}

/** The spec with the caller's tenant, and a job id derived from the Idempotency-Key when it has none. */
function ownedSpec(body: unknown, tenant: string, idempotencyKey: string | string[] | undefined): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body; // the schema explains
  const spec = { ...(body as Record<string, unknown>) };
  if (spec.tenant !== undefined && spec.tenant !== tenant) {
    throw new ApiError(
      403,
      'TenantMismatch',
      `This API key belongs to tenant "${tenant}"; submit with tenant "${tenant}" or leave it out.`,
    );
  }
  spec.tenant = tenant;
  if (spec.jobId === undefined && typeof idempotencyKey === 'string' && idempotencyKey) {
    spec.jobId = `k-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
  }
  return spec;
}

function jobState(client: Client, tenant: string, jobId: string): Promise<string> {
  return describeState(getJobHandle(client, tenant, jobId), `No job ${jobId} for tenant ${tenant}.`);
}

/** The workflow's status name (RUNNING, COMPLETED, ...), or a 404 saying `notFound`. */
async function describeState(handle: WorkflowHandle, notFound: string): Promise<string> {
  try {
    return (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'NotFound', notFound);
    throw error;
  }
}

/** Temporal's closed states, as the API names them. */
function workflowStateName(state: string): string {
  const names: Record<string, string> = {
    FAILED: 'Failed',
    TERMINATED: 'Terminated',
    TIMED_OUT: 'TimedOut',
    CANCELLED: 'Cancelled',
    CONTINUED_AS_NEW: 'Running',
  };
  return names[state] ?? state;
}
