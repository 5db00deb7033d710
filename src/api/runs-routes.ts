/**
 * Container callbacks: `GET /v1/runs/:runId` (the run's phase and attempt), `POST /v1/runs/:runId/progress`
 * and `POST /v1/runs/:runId/complete`. Authenticated by the per-run token the worker handed the container as a
 * secure variable. Unknown run 404, finished run 410, bad token 401; a report sent twice is harmless because
 * the workflow ignores a reportId it has seen (a report without one gets an id derived from its content).
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  completionSignal,
  progressSignal,
  runProgressQuery,
  type CompletionReport,
  type ProgressReport,
} from '../shared/messages';
import { bearerToken } from './bearer';
import { ApiError } from './errors';
import { verifyRunToken } from '../security/run-tokens';

export interface RunsRoutesOptions {
  client: Client;
  callbackSecret: string;
}

const runIdParams = {
  type: 'object',
  properties: { runId: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['runId'],
} as const;

const completionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['Completed', 'Failed'] },
    exitCode: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
    message: { type: 'string', maxLength: 4096 },
    result: {},
    reportId: { type: 'string', minLength: 1, maxLength: 100 },
    attempt: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

const progressBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    percent: { type: 'number', minimum: 0, maximum: 100 },
    message: { type: 'string', maxLength: 4096 },
    reportId: { type: 'string', minLength: 1, maxLength: 100 },
    attempt: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

/** A container's result must stay small: it is stored in workflow history. */
const CALLBACK_BODY_LIMIT = 16 * 1024;

type RunRequest = FastifyRequest<{ Params: { runId: string } }>;

export async function registerRunsRoutes(app: FastifyInstance, options: RunsRoutesOptions): Promise<void> {
  const { client, callbackSecret } = options;

  /** Checks the token, then that the run exists and is still open; returns its handle. */
  async function openRun(request: RunRequest) {
    const { runId } = request.params;
    const token = bearerToken(request);
    if (!verifyRunToken(callbackSecret, runId, token)) {
      throw new ApiError(401, 'InvalidRunToken', 'The run token is missing or is not the token of this run.');
    }
    const handle = client.workflow.getHandle(runId);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'RunNotFound', `No run ${runId}.`);
      throw error;
    }
    if (status !== 'RUNNING') {
      throw new ApiError(
        410,
        'RunFinished',
        `Run ${runId} has finished (${status}); reports are no longer accepted.`,
      );
    }
    return handle;
  }

  const routeSchema = (summary: string, body?: object) => ({
    schema: {
      tags: ['container callbacks'],
      summary,
      params: runIdParams,
      ...(body && { body }),
      security: [{ runToken: [] }],
    },
    bodyLimit: CALLBACK_BODY_LIMIT,
  });

  app.get('/v1/runs/:runId', routeSchema("The run's phase and attempt"), async (request: RunRequest) => {
    const handle = await openRun(request);
    return handle.query(runProgressQuery);
  });

  app.post(
    '/v1/runs/:runId/progress',
    routeSchema('Report progress', progressBody),
    async (request: RunRequest, reply) => {
      const handle = await openRun(request);
      const report = request.body as ProgressReport;
      await handle.signal(progressSignal, { ...report, reportId: report.reportId ?? contentId(request) });
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post(
    '/v1/runs/:runId/complete',
    routeSchema('Report completion (Completed or Failed)', completionBody),
    async (request: RunRequest, reply) => {
      const handle = await openRun(request);
      const report = request.body as Omit<CompletionReport, 'reportId'> & { reportId?: string };
      await handle.signal(completionSignal, { ...report, reportId: report.reportId ?? contentId(request) });
      return reply.code(202).send({ accepted: true });
    },
  );
}

/** A resent identical request gets the same id, so the workflow drops it as a duplicate. */
function contentId(request: RunRequest): string {
  return createHash('sha256')
    .update(`${request.url}\n${JSON.stringify(request.body)}`)
    .digest('base64url');
}
