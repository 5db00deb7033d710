/**
 * ARM calls the SDK's api-version (2023-05-01) cannot make: container group profiles, standby pools and config
 * maps came in 2024-05-01-preview. They go through the SDK client's own pipeline (its credential, retries,
 * Retry-After cap, user agent and TLS options), with an explicit api-version; errors come back as the same
 * `RestError` the SDK throws, so `toAciFailure` classifies them as any other.
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

/** The first api-version with `containerGroupProfile`, `standbyPoolProfile`, `configMap`, `isCreatedFromStandbyPool`. */
export const STANDBY_API_VERSION = '2024-05-01-preview';

export interface PreviewRequest {
  method: 'GET' | 'PUT';
  /** the resource path, from /subscriptions/... */
  path: string;
  /** ARM wire format (nested `properties`), not the SDK's flattened models */
  body?: unknown;
  abortSignal?: AbortSignal;
}

export interface PreviewResponse {
  status: number;
  /** the parsed JSON body (undefined when empty) */
  body: unknown;
}

/** Sends one request through the client's pipeline; a status of 400 or more throws a RestError. */
export async function sendPreview(
  client: ContainerInstanceManagementClient,
  request: PreviewRequest,
): Promise<PreviewResponse> {
  const url = new URL(request.path, client.$host);
  url.searchParams.set('api-version', STANDBY_API_VERSION);
  const pipelineRequest = createPipelineRequest({
    url: url.toString(),
    method: request.method,
    headers: createHttpHeaders({ accept: 'application/json', 'content-type': 'application/json' }),
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    abortSignal: request.abortSignal,
  });
  const response = await client.sendRequest(pipelineRequest);
  const body = parse(response.bodyAsText ?? undefined);
  if (response.status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new RestError(error?.message ?? `ARM answered HTTP ${response.status}`, {
      code: error?.code,
      statusCode: response.status,
      request: pipelineRequest,
      response,
    });
  }
  return { status: response.status, body };
}

function parse(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
