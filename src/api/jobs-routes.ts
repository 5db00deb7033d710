/**
 * Job routes for tenants: submit (`POST /v1/jobs`, the HTTP trigger of the original design), read one
 * (`GET /v1/jobs/:jobId`), list (`GET /v1/jobs`), cancel (`POST /v1/jobs/:jobId/cancel`), one instance
 * (`GET /v1/jobs/:jobId/instances/:index`). Every request is authenticated by a tenant API key and sees only
 * that tenant's jobs (a job's workflow id starts with it). This is the edge for HTTP submissions: the spec is
 * parsed and its job id settled here, once.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { settleJobId, type JobClient, type JobRef } from '../client';
import type { ApiKeys } from '../security/api-keys';
import { jobIdSchema, jobSpecSchema, parseJobSpec } from '../shared/job-spec';
import { jobStateOf } from '../shared/statuses';
import { PageTokens } from './page-tokens';
import { tenantAuth, withTenant } from './tenant-key';

export interface JobsRoutesOptions {
  jobs: JobClient;
  apiKeys: ApiKeys;
  /** seals the list's page tokens */
  callbackSecret: string;
}

export const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });

const jobParams = z.object({ jobId: jobIdSchema });
const instanceParams = jobParams.extend({ index: z.coerce.number().int().min(0).max(100_000) });
const listQuery = z
  .object({
    status: z.enum(['Running', 'Completed', 'PartiallyFailed', 'Failed', 'Cancelled']).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    pageToken: z.string().max(4096).optional(),
  })
  .strict();

type JobRequest = FastifyRequest<{ Params: z.infer<typeof jobParams> }>;
type InstanceRequest = FastifyRequest<{ Params: z.infer<typeof instanceParams> }>;

export async function registerJobsRoutes(app: FastifyInstance, options: JobsRoutesOptions): Promise<void> {
  const { jobs, apiKeys } = options;
  const pageTokens = new PageTokens(options.callbackSecret);
  const tenantOf = tenantAuth(apiKeys);
  const refOf = (request: JobRequest): JobRef => ({ tenant: tenantOf(request), jobId: request.params.jobId });
  const security = [{ apiKey: [] }];

  app.post(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job (idempotent by jobId or Idempotency-Key)',
        security,
        body: jsonSchema(jobSpecSchema),
      },
      // the shared schema validates (with its own messages); the JSON schema above documents the body
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const spec = settleJobId(
        parseJobSpec(withTenant(request.body, tenant)),
        jobIdFromIdempotencyKey(request.headers['idempotency-key']),
      );
      const job = await jobs.submit(spec);
      return reply.code(job.started ? 202 : 200).send({
        jobId: job.ref.jobId,
        workflowId: job.workflowId,
        created: job.started,
        statusUrl: `/v1/jobs/${job.ref.jobId}`,
      });
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary:
          "List the tenant's jobs: running ones first (latest started first), then ended ones (latest ended first)",
        security,
        querystring: jsonSchema(listQuery),
      },
    },
    async (request) => {
      const query = listQuery.parse(request.query);
      const tenant = tenantOf(request);
      const page = await jobs.list({
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
        params: jsonSchema(jobParams),
      },
    },
    async (request: JobRequest) => {
      const ref = refOf(request);
      const job = await jobs.get(ref);
      return {
        ...ref,
        state: job.state,
        ...(job.status && { status: job.status }),
        ...(job.summary && { result: job.summary }),
      };
    },
  );

  app.get(
    '/v1/jobs/:jobId/instances/:index',
    {
      schema: {
        tags: ['jobs'],
        summary: "One instance: its live progress, or its result with the container's result and log tail",
        security,
        params: jsonSchema(instanceParams),
      },
    },
    async (request: InstanceRequest) => {
      const { index } = request.params;
      const run = await jobs.getRun(refOf(request), index);
      const base = { jobId: request.params.jobId, index };
      if (run.progress) return { ...base, state: 'Running', progress: run.progress };
      if (run.result) return { ...base, state: 'Finished', result: run.result };
      return { ...base, state: jobStateOf(run.workflowStatus) };
    },
  );

  app.post(
    '/v1/jobs/:jobId/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job; every container group is cleaned up',
        security,
        params: jsonSchema(jobParams),
      },
    },
    async (request: JobRequest, reply) => {
      const ref = refOf(request);
      await jobs.cancel(ref);
      return reply.code(202).send({ jobId: ref.jobId, cancelling: true });
    },
  );
}

/** A job id derived from the Idempotency-Key, for specs that name none: the same key gives the same job. */
function jobIdFromIdempotencyKey(key: string | string[] | undefined): string | undefined {
  if (typeof key !== 'string' || !key) return undefined;
  return `k-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
