/**
 * Job routes for tenants: submit (`POST /v1/jobs`, the HTTP trigger of the original design), read one
 * (`GET /v1/jobs/:jobId`), its per-instance rows page by page (`GET /v1/jobs/:jobId/runs`), list
 * (`GET /v1/jobs`), cancel (`POST /v1/jobs/:jobId/cancel`), rerun the failed
 * instances (`POST /v1/jobs/:jobId/rerun`), one instance (`GET /v1/jobs/:jobId/instances/:index`), its
 * archived log and its outputs (`.../logs`, `.../outputs`, `.../outputs/<name>`, streamed from Blob Storage,
 * never held in memory). Every request is authenticated by a tenant API key and sees only that tenant's jobs
 * (a job's workflow id starts with it). This is the edge for HTTP submissions: the spec is parsed and its job
 * id settled here, once.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RUN_PAGE_DEFAULT, RUN_PAGE_MAX, settleJobId, type JobClient, type JobRef } from '../client';
import type { ApiKeys } from '../security/api-keys';
import { MAX_OUTPUT_NAME } from '../shared/storage';
import { stripTimestampsStream } from '../storage/log-lines';
import type { RunStorage } from '../storage/run-storage';
import { jobIdSchema, jobSpecSchema, MAX_INSTANCES, parseJobSpec } from '../shared/job-spec';
import { scheduleNameSchema } from '../shared/schedule-spec';
import { jobStateOf } from '../shared/statuses';
import { ApiError } from './errors';
import { PageTokens } from './page-tokens';
import { tenantAuth, withTenant } from './tenant-key';

export interface JobsRoutesOptions {
  jobs: JobClient;
  apiKeys: ApiKeys;
  /** seals the list's page tokens */
  callbackSecret: string;
  /** the runs' log archive and outputs; absent: those routes answer 404 StorageNotConfigured */
  storage?: RunStorage;
}

export const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });

const jobParams = z.object({ jobId: jobIdSchema });
const instanceParams = jobParams.extend({ index: z.coerce.number().int().min(0).max(100_000) });
const rerunBody = z
  .object({
    /** which instances: the failed, timed-out and cancelled ones (the only choice, and the default) */
    failed: z
      .literal(true, { error: 'failed must be true: a rerun runs the failed instances again' })
      .default(true),
    /** the rerun's job id; default `<jobId>-rerun-<n>` */
    jobId: jobIdSchema.optional(),
  })
  .strict();
const listQuery = z
  .object({
    status: z.enum(['Waiting', 'Running', 'Completed', 'PartiallyFailed', 'Failed', 'Cancelled']).optional(),
    /** only the jobs this schedule started */
    schedule: scheduleNameSchema.optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
    pageToken: z.string().max(4096).optional(),
  })
  .strict();

const runsQuery = z
  .object({
    /** the first row, in instance index order */
    offset: z.coerce.number().int().min(0).max(MAX_INSTANCES).default(0),
    /** how many rows */
    limit: z.coerce.number().int().min(1).max(RUN_PAGE_MAX).default(RUN_PAGE_DEFAULT),
  })
  .strict();

const logQuery = z
  .object({
    /** which attempt (default: the latest archived) */
    attempt: z.coerce.number().int().min(1).max(1000).optional(),
    /** keep each line's timestamp, as ACI wrote it */
    timestamps: z.enum(['true', 'false']).default('false'),
    /** from this byte of the archive on (for followers: the previous answer's x-aci-batch-log-bytes) */
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 50)
      .default(0),
  })
  .strict();
const outputParams = instanceParams.extend({ '*': z.string().min(1).max(MAX_OUTPUT_NAME) });

type JobRequest = FastifyRequest<{ Params: z.infer<typeof jobParams> }>;
type InstanceRequest = FastifyRequest<{ Params: z.infer<typeof instanceParams> }>;
type OutputRequest = FastifyRequest<{ Params: z.infer<typeof outputParams> }>;

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
        schedule: query.schedule,
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
        ...(job.schedule && { schedule: job.schedule }),
        ...(job.rerunOf && { rerunOf: job.rerunOf }),
        ...(job.status && { status: job.status }),
        ...(job.summary && { result: job.summary }),
        ...(job.reruns && { reruns: job.reruns }),
      };
    },
  );

  app.get(
    '/v1/jobs/:jobId/runs',
    {
      schema: {
        tags: ['jobs'],
        summary:
          "An ended job's per-instance rows (status, exit code, message, attempts, billing), a page at a time: " +
          "the summary's runs, or for a job of more than 1,000 instances (a paged summary) read from its runs",
        security,
        params: jsonSchema(jobParams),
        querystring: jsonSchema(runsQuery),
      },
    },
    async (request: JobRequest) => {
      const parsed = runsQuery.safeParse(request.query);
      if (!parsed.success)
        throw new ApiError(400, 'InvalidRequest', parsed.error.issues[0]?.message ?? 'bad query');
      const page = await jobs.runPage(refOf(request), parsed.data);
      return {
        jobId: request.params.jobId,
        total: page.total,
        offset: page.offset,
        limit: page.limit,
        paged: page.paged,
        runs: page.runs,
        ...(page.nextOffset !== undefined && { nextOffset: page.nextOffset }),
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

  /** The instance's run storage, for this tenant's job only (another tenant's: 404, as if it did not exist). */
  const runStorageOf = async (request: InstanceRequest) => {
    const ref = refOf(request);
    const run = await jobs.runStorage(ref, request.params.index);
    if (!options.storage) {
      throw new ApiError(
        404,
        'StorageNotConfigured',
        'This deployment keeps no log archive or outputs: it has no storage account configured.',
      );
    }
    return { run, storage: options.storage };
  };

  app.get(
    '/v1/jobs/:jobId/instances/:index/logs',
    {
      schema: {
        tags: ['jobs'],
        summary:
          "One instance's whole container log, from the archive (text/plain, streamed): the latest attempt, or ?attempt=n",
        security,
        params: jsonSchema(instanceParams),
        querystring: jsonSchema(logQuery),
      },
    },
    async (request: InstanceRequest, reply) => {
      const parsed = logQuery.safeParse(request.query);
      if (!parsed.success)
        throw new ApiError(400, 'InvalidRequest', parsed.error.issues[0]?.message ?? 'bad query');
      const query = parsed.data;
      const { run, storage } = await runStorageOf(request);
      const attempts = await storage.listAttemptLogs(run);
      const attempt = query.attempt ?? attempts.at(-1)?.attempt;
      const found = attempt === undefined ? undefined : await storage.readAttemptLog(run, attempt, query);
      if (!found) {
        throw new ApiError(
          404,
          'LogNotFound',
          attempts.length === 0
            ? `Instance ${run.instanceIndex} has no archived log (yet).`
            : `Instance ${run.instanceIndex} has no archived log of attempt ${attempt}; attempts: ${attempts.map((a) => a.attempt).join(', ')}.`,
        );
      }
      const body = query.timestamps === 'true' ? found.stream : found.stream.pipe(stripTimestampsStream());
      return reply
        .type('text/plain; charset=utf-8')
        .headers({
          'x-aci-batch-attempt': String(attempt),
          'x-aci-batch-attempts': attempts.map((a) => a.attempt).join(','),
          // followers ask again from here; sealed: the attempt's log is complete, nothing more will come
          'x-aci-batch-log-bytes': String(found.bytes),
          'x-aci-batch-log-sealed': String(found.sealed),
        })
        .send(body);
    },
  );

  app.get(
    '/v1/jobs/:jobId/instances/:index/outputs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'The files one instance uploaded: name, size, MD5',
        security,
        params: jsonSchema(instanceParams),
      },
    },
    async (request: InstanceRequest) => {
      const { run, storage } = await runStorageOf(request);
      const outputs = await storage.listOutputs(run);
      return { jobId: run.jobId, index: run.instanceIndex, outputs };
    },
  );

  app.get(
    '/v1/jobs/:jobId/instances/:index/outputs/*',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Download one output file of an instance (streamed)',
        security,
        params: jsonSchema(outputParams),
      },
    },
    async (request: OutputRequest, reply) => {
      const { run, storage } = await runStorageOf(request);
      const name = request.params['*'];
      const found = await storage.readOutput(run, name);
      if (!found)
        throw new ApiError(404, 'OutputNotFound', `Instance ${run.instanceIndex} has no output "${name}".`);
      const { info } = found;
      return reply
        .type('application/octet-stream')
        .headers({
          'content-length': String(info.size),
          'content-disposition': `attachment; filename="${name.slice(name.lastIndexOf('/') + 1)}"`,
          ...(info.contentMd5 && { 'content-md5': info.contentMd5 }),
        })
        .send(found.stream);
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

  app.post(
    '/v1/jobs/:jobId/rerun',
    {
      schema: {
        tags: ['jobs'],
        summary:
          'Start a new job with the failed, timed-out and cancelled instances of a finished job, keeping their indexes and parameters',
        security,
        params: jsonSchema(jobParams),
        body: jsonSchema(rerunBody),
      },
      // the body may be left out: the shared schemas check params and body here, with their own messages
      validatorCompiler: () => () => true,
    },
    async (request: JobRequest, reply) => {
      const params = jobParams.safeParse(request.params);
      const body = rerunBody.safeParse(request.body ?? {});
      const problems = [...(params.error?.issues ?? []), ...(body.error?.issues ?? [])];
      if (problems.length) {
        throw new ApiError(400, 'InvalidRequest', problems.map((issue) => issue.message).join('; '));
      }
      const ref = refOf(request);
      const rerun = await jobs.rerun(ref, { jobId: body.data?.jobId });
      return reply.code(rerun.started ? 202 : 200).send({
        jobId: rerun.ref.jobId,
        rerunOf: ref.jobId,
        instances: rerun.instances,
        workflowId: rerun.workflowId,
        created: rerun.started,
        statusUrl: `/v1/jobs/${rerun.ref.jobId}`,
      });
    },
  );
}

/** A job id derived from the Idempotency-Key, for specs that name none: the same key gives the same job. */
function jobIdFromIdempotencyKey(key: string | string[] | undefined): string | undefined {
  if (typeof key !== 'string' || !key) return undefined;
  return `k-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
