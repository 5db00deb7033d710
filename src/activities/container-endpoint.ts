/**
 * Calls to the batch container's own HTTP endpoint: start the work, read progress. A container that is not
 * listening yet (refused, timeout, 5xx) raises a retryable failure, so the activity retry policy keeps trying
 * until it listens; a 4xx is the container saying no, which retrying cannot fix.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { AciFailureType } from '../shared/failures';
import type { ContainerEndpointInput, ContainerProgress } from '../shared/container-groups';
import type { AciActivities } from './types';

/** One try; the retry policy makes the next. Short, since a listening container answers at once. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export interface ContainerEndpointDeps {
  /** per-try timeout of a call to the container; default 5000 */
  requestTimeoutMs?: number;
}

export type ContainerEndpointActivities = Pick<AciActivities, 'startContainerWork' | 'getContainerProgress'>;

const progressSchema = z.object({
  percent: z.number().min(0).max(100).optional(),
  message: z.string().max(2000).optional(),
});

export function createContainerEndpointActivities(
  deps: ContainerEndpointDeps = {},
): ContainerEndpointActivities {
  const timeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  return {
    async startContainerWork(input: ContainerEndpointInput): Promise<void> {
      const url = endpointUrl(input.url);
      const extra = input.body ?? {};
      if (!isJsonObject(extra)) {
        throw ApplicationFailure.nonRetryable(
          `start body for ${url.href} must be a JSON object (it is merged with runKey)`,
          AciFailureType.invalidSpec,
        );
      }
      const response = await call(url, timeoutMs, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': input.runKey },
        // runKey last: the body always carries the same key as the Idempotency-Key header
        body: JSON.stringify({ ...extra, runKey: input.runKey }),
      });
      await response.body?.cancel();
    },

    async getContainerProgress(input: { url: string }): Promise<ContainerProgress> {
      const url = endpointUrl(input.url);
      const response = await call(url, timeoutMs, { method: 'GET', headers: { accept: 'application/json' } });
      const progress = progressSchema.safeParse(await response.json().catch(() => undefined));
      if (!progress.success) {
        throw ApplicationFailure.nonRetryable(
          `progress from ${url.href} is not JSON like {"percent": 0-100, "message": "..."}`,
          AciFailureType.containerRejected,
        );
      }
      return progress.data;
    },
  };
}

/** One HTTP call with a per-try timeout; returns a 2xx response or throws a typed failure. */
async function call(url: URL, timeoutMs: number, init: RequestInit): Promise<Response> {
  const cancellation = Context.current().cancellationSignal;
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      signal: AbortSignal.any([cancellation, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (cancellation.aborted) throw cancellation.reason ?? error;
    throw ApplicationFailure.retryable(
      `${init.method} ${url.href} failed: ${reason(error)} (is the container listening yet?)`,
      AciFailureType.containerNotReady,
    );
  }
  if (response.ok) return response;
  await response.body?.cancel();
  const status = `${init.method} ${url.href} answered HTTP ${response.status} ${response.statusText}`.trim();
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw ApplicationFailure.retryable(status, AciFailureType.containerNotReady);
  }
  throw ApplicationFailure.nonRetryable(status, AciFailureType.containerRejected);
}

function endpointUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw ApplicationFailure.nonRetryable(
      `container URL "${text}" is not an http(s) URL, e.g. http://10.0.0.4:8080/start`,
      AciFailureType.invalidSpec,
    );
  }
  return url;
}

/** The useful part of a fetch failure: undici puts the system error (ECONNREFUSED, ...) in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause;
  if (cause instanceof Error)
    return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return error.message;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
