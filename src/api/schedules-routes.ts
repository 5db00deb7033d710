/**
 * Schedule routes for tenants, recurring jobs on Temporal Schedules: create (`POST /v1/schedules`), list
 * (`GET /v1/schedules`), read (`GET /v1/schedules/:name`: next and recent runs), replace (`PUT`) or change
 * (`PATCH /v1/schedules/:name`), pause and resume with a note, trigger now, backfill a time range, delete.
 * Every request is authenticated by a tenant API key and sees only that tenant's schedules (a schedule's id
 * starts with its tenant). The schedule spec is parsed here with the shared schema, once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ScheduleClient, type JobClient, type ScheduleRef, type ScheduleView } from '../client';
import type { ApiKeys } from '../security/api-keys';
import {
  OVERLAP_POLICIES,
  parseScheduleSpec,
  scheduleNameSchema,
  scheduleSpecSchema,
} from '../shared/schedule-spec';
import { ApiError } from './errors';
import { jsonSchema } from './jobs-routes';
import { tenantAuth, withTenant } from './tenant-key';

export interface SchedulesRoutesOptions {
  jobs: JobClient;
  apiKeys: ApiKeys;
}

const scheduleParams = z.object({ name: scheduleNameSchema });
const noteBody = z
  .object({ note: z.string().max(1000, 'note must be at most 1,000 characters').optional() })
  .strict();
const overlap = z.enum(OVERLAP_POLICIES, { error: `overlap must be one of ${OVERLAP_POLICIES.join(', ')}` });
const triggerBody = z.object({ overlap: overlap.optional() }).strict();
const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what} must be an ISO time, e.g. "2026-11-24T00:00:00Z"` });
const backfillBody = z
  .object({ start: instant('start'), end: instant('end'), overlap: overlap.optional() })
  .strict()
  .refine((body) => Date.parse(body.end) >= Date.parse(body.start), {
    message: 'end must not be before start (the same time: that one firing)',
    path: ['end'],
  });

type ScheduleRequest = FastifyRequest<{ Params: { name: string } }>;

export async function registerSchedulesRoutes(
  app: FastifyInstance,
  options: SchedulesRoutesOptions,
): Promise<void> {
  const schedules = new ScheduleClient(options.jobs);
  const tenantOf = tenantAuth(options.apiKeys);
  const security = [{ apiKey: [] }];
  /** The shared schemas check every part here, with their own messages (a body may be left out). */
  const ourValidation = { validatorCompiler: () => () => true };
  const refOf = (request: ScheduleRequest): ScheduleRef => {
    const tenant = tenantOf(request);
    return { tenant, name: parse(scheduleParams, request.params).name };
  };
  const docs = (summary: string, extra: Record<string, unknown> = {}) => ({
    tags: ['schedules'],
    summary,
    security,
    ...extra,
  });
  const named = { params: jsonSchema(scheduleParams) };

  app.post(
    '/v1/schedules',
    {
      schema: docs('Create a schedule: a job spec and when to run it', {
        body: jsonSchema(scheduleSpecSchema),
      }),
      ...ourValidation,
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const view = await schedules.create(parseScheduleSpec(withTenant(request.body, tenant, 'create it')));
      return reply.code(201).send(bodyOf(view));
    },
  );

  app.get('/v1/schedules', { schema: docs("List the tenant's schedules") }, async (request) => {
    const tenant = tenantOf(request);
    return { schedules: await schedules.list(tenant) };
  });

  app.get(
    '/v1/schedules/:name',
    {
      schema: docs('A schedule as written, its state, and its next and recent runs', named),
      ...ourValidation,
    },
    async (request: ScheduleRequest) => bodyOf(await schedules.get(refOf(request))),
  );

  app.put(
    '/v1/schedules/:name',
    {
      schema: docs('Replace a schedule (timing, policies, state and job)', {
        ...named,
        body: jsonSchema(scheduleSpecSchema),
      }),
      ...ourValidation,
    },
    async (request: ScheduleRequest) => {
      const ref = refOf(request);
      const body = sameName(withTenant(request.body, ref.tenant, 'update it'), ref.name);
      return bodyOf(await schedules.update(ref, parseScheduleSpec(body)));
    },
  );

  app.patch(
    '/v1/schedules/:name',
    {
      schema: docs(
        'Change some fields of a schedule (a job given replaces the whole job; cron replaces every, and every cron)',
        named,
      ),
      ...ourValidation,
    },
    async (request: ScheduleRequest) => {
      const ref = refOf(request);
      const body = sameName(withTenant(request.body ?? {}, ref.tenant, 'update it'), ref.name);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ApiError(400, 'InvalidRequest', 'The body must be an object of the fields to change.');
      }
      return bodyOf(await schedules.patch(ref, body as Record<string, unknown>));
    },
  );

  app.post(
    '/v1/schedules/:name/pause',
    { schema: docs('Pause a schedule, with a note saying why', named), ...ourValidation },
    async (request: ScheduleRequest) => {
      const ref = refOf(request);
      return bodyOf(await schedules.pause(ref, parse(noteBody, request.body ?? {}).note));
    },
  );

  app.post(
    '/v1/schedules/:name/resume',
    { schema: docs('Resume a paused schedule', named), ...ourValidation },
    async (request: ScheduleRequest) => {
      const ref = refOf(request);
      return bodyOf(await schedules.resume(ref, parse(noteBody, request.body ?? {}).note));
    },
  );

  app.post(
    '/v1/schedules/:name/trigger',
    {
      schema: docs("Run the schedule's job now (under its overlap policy, or the one given)", named),
      ...ourValidation,
    },
    async (request: ScheduleRequest, reply) => {
      const ref = refOf(request);
      await schedules.trigger(ref, parse(triggerBody, request.body ?? {}).overlap);
      return reply.code(202).send({ name: ref.name, triggered: true, jobsUrl: jobsUrl(ref.name) });
    },
  );

  app.post(
    '/v1/schedules/:name/backfill',
    {
      schema: docs('Run the job for every time the schedule would have fired between start and end', named),
      ...ourValidation,
    },
    async (request: ScheduleRequest, reply) => {
      const ref = refOf(request);
      const body = parse(backfillBody, request.body ?? {});
      await schedules.backfill(ref, {
        start: new Date(body.start),
        end: new Date(body.end),
        overlap: body.overlap,
      });
      return reply.code(202).send({ name: ref.name, backfilling: true, jobsUrl: jobsUrl(ref.name) });
    },
  );

  app.delete(
    '/v1/schedules/:name',
    { schema: docs('Delete a schedule (the jobs it started run on)', named), ...ourValidation },
    async (request: ScheduleRequest) => {
      const ref = refOf(request);
      await schedules.delete(ref);
      return { name: ref.name, deleted: true };
    },
  );
}

/** A schedule as the API answers it. */
function bodyOf(view: ScheduleView) {
  const { ref, schedule, ...rest } = view;
  const { job, tenant: _tenant, name: _name, paused: _paused, note: _note, ...timing } = schedule;
  return { tenant: ref.tenant, name: ref.name, ...rest, ...timing, job, jobsUrl: jobsUrl(ref.name) };
}

const jobsUrl = (name: string) => `/v1/jobs?schedule=${name}`;

/** A body naming another schedule than the path is refused; one naming none gets the path's. */
function sameName(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  if (fields.name !== undefined && fields.name !== name) {
    throw new ApiError(
      400,
      'InvalidRequest',
      `The body names schedule ${JSON.stringify(fields.name)}, the path "${name}".`,
    );
  }
  return { ...fields, name };
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  throw new ApiError(400, 'InvalidRequest', message);
}
