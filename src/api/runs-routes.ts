/**
 * Container callbacks: `GET /v1/runs/:runId` (the run's phase and attempt), `POST /v1/runs/:runId/progress`
 * and `POST /v1/runs/:runId/complete`. Authenticated by the per-run token the worker handed the container as a
 * secure variable; the token names the run's execution (its first run id) and expires after the run's longest
 * possible life. A report goes straight to the run as a signal; only when that fails is the run looked up, to
 * answer 404 (no such run), 410 (it has finished) or 401 (the token is of an earlier run with the same id).
 * A report sent twice is harmless: the workflow ignores a reportId it has seen (a report without one gets an id
 * derived from its content).
 */
import { createHash } from 'node:crypto';
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RunTokenClaims, RunTokens } from '../security/run-tokens';
import { completionSignal, progressSignal, runProgressQuery } from '../shared/messages';
import { parseRunWorkflowId } from '../shared/names';
import { MAX_OUTPUT_NAME, outputNameProblem } from '../shared/storage';
import type { RunStorage } from '../storage/run-storage';
import { bearerToken } from './bearer';
import { ApiError } from './errors';

export interface RunsRoutesOptions {
  client: Client;
  runTokens: RunTokens;
  /** where outputs go; absent: upload grants are refused (404 StorageNotConfigured) */
  storage?: RunStorage;
}

/** How long an upload grant lasts (never past the run token's own expiry). */
export const OUTPUT_GRANT_LIFETIME_MS = 60 * 60_000;

const runParams = z.object({ runId: z.string().min(1).max(200) });

/** What containers send; the workflow checks the rest (attempt, duplicates). */
const reportFields = {
  message: z.string().max(4096).optional(),
  reportId: z.string().min(1).max(100).optional(),
  attempt: z.number().int().min(1).max(1000).optional(),
};
const completionBody = z
  .object({
    status: z.enum(['Completed', 'Failed']),
    exitCode: z.number().int().min(-2147483648).max(2147483647).optional(),
    /** a small JSON result */
    result: z.unknown().optional(),
    ...reportFields,
  })
  .strict();
const progressBody = z.object({ percent: z.number().min(0).max(100).optional(), ...reportFields }).strict();
const outputBody = z
  .object({
    /** the output's name within the run, e.g. results/summary.csv */
    name: z.string().min(1).max(MAX_OUTPUT_NAME),
  })
  .strict();

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });

/** A container's result must stay small: it is stored in workflow history. */
const CALLBACK_BODY_LIMIT = 16 * 1024;

type RunRequest = FastifyRequest<{ Params: { runId: string } }>;

export async function registerRunsRoutes(app: FastifyInstance, options: RunsRoutesOptions): Promise<void> {
  const { client, runTokens, storage } = options;

  /** The token's claims, or 401; 404 for an id no run can have (it never reaches Temporal). */
  function authorize(request: RunRequest): RunTokenClaims {
    const { runId } = request.params;
    const check = runTokens.verify(runId, bearerToken(request));
    if (check.valid) {
      if (!parseRunWorkflowId(runId))
        throw new ApiError(404, 'RunNotFound', `No run ${JSON.stringify(runId)}.`);
      return check.claims;
    }
    throw new ApiError(
      401,
      'InvalidRunToken',
      check.reason === 'expired'
        ? 'The run token has expired: the run it was issued for cannot still be running.'
        : 'The run token is missing or is not the token of this run.',
    );
  }

  /**
   * The run's current execution, if it is the token's and still open; else the status that says why not.
   * Read only when a signal to the token's execution failed, and by GET.
   */
  async function openExecution(runId: string, claims: RunTokenClaims): Promise<WorkflowHandle> {
    const handle = client.workflow.getHandle(runId);
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ApiError(404, 'RunNotFound', `No run ${runId}.`);
      throw error;
    }
    if (description.raw.workflowExecutionInfo?.firstRunId !== claims.firstRunId) {
      throw new ApiError(
        401,
        'InvalidRunToken',
        `The run token belongs to an earlier run with the id ${runId}, not to the current one.`,
      );
    }
    if (description.status.name !== 'RUNNING') {
      throw new ApiError(
        410,
        'RunFinished',
        `Run ${runId} has finished (${description.status.name}); reports are no longer accepted.`,
      );
    }
    return handle;
  }

  /**
   * Signals the token's execution directly (one call, the common case). When that execution is not open (it
   * continued as new, finished, or is another job's), the run is looked up and, if it is the token's and
   * still running, signalled there.
   */
  async function deliver(
    request: RunRequest,
    send: (handle: WorkflowHandle) => Promise<void>,
  ): Promise<void> {
    const claims = authorize(request);
    const { runId } = request.params;
    try {
      return await send(client.workflow.getHandle(runId, claims.firstRunId));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    await send(await openExecution(runId, claims));
  }

  const routeSchema = (summary: string, body?: z.ZodType) => ({
    schema: {
      tags: ['container callbacks'],
      summary,
      params: jsonSchema(runParams),
      ...(body && { body: jsonSchema(body) }),
      security: [{ runToken: [] }],
    },
    bodyLimit: CALLBACK_BODY_LIMIT,
  });

  app.get('/v1/runs/:runId', routeSchema("The run's phase and attempt"), async (request: RunRequest) => {
    const handle = await openExecution(request.params.runId, authorize(request));
    return handle.query(runProgressQuery);
  });

  app.post(
    '/v1/runs/:runId/progress',
    routeSchema('Report progress', progressBody),
    async (request: RunRequest, reply) => {
      // validated by Fastify against the JSON schema generated from progressBody
      const report = request.body as z.infer<typeof progressBody>;
      await deliver(request, (handle) =>
        handle.signal(progressSignal, { ...report, reportId: report.reportId ?? contentId(request) }),
      );
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post(
    '/v1/runs/:runId/outputs',
    routeSchema('Get a grant to upload one output file (a write-only URL for that file alone)', outputBody),
    async (request: RunRequest) => {
      const { name } = request.body as z.infer<typeof outputBody>;
      const claims = authorize(request);
      const { runId } = request.params;
      await openExecution(runId, claims);
      if (!storage) {
        throw new ApiError(
          404,
          'StorageNotConfigured',
          'This deployment keeps no outputs: it has no storage account configured.',
        );
      }
      const problem = outputNameProblem(name);
      if (problem) throw new ApiError(400, 'InvalidOutputName', `Output name "${name}": ${problem}.`);
      const run = parseRunWorkflowId(runId)!; // authorize() refused any other shape
      const expiresAt = new Date(Math.min(Date.now() + OUTPUT_GRANT_LIFETIME_MS, claims.expiresAtMs));
      return storage.grantUpload({ ...run, runKey: claims.firstRunId }, name, expiresAt);
    },
  );

  app.post(
    '/v1/runs/:runId/complete',
    routeSchema('Report completion (Completed or Failed)', completionBody),
    async (request: RunRequest, reply) => {
      const report = request.body as z.infer<typeof completionBody>;
      await deliver(request, (handle) =>
        handle.signal(completionSignal, { ...report, reportId: report.reportId ?? contentId(request) }),
      );
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
