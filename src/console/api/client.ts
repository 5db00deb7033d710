/**
 * Calls to the aci-batch HTTP API as the signed-in tenant: the same /v1 routes, with the same
 * `Authorization: Bearer <key>` header, as any other client. Errors arrive as ApiProblem, with the API's error
 * code, message and (for an invalid spec) the field-by-field problems.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    /** the HTTP status; 0 when the server could not be reached */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** what a 503 or 429 asked for (Retry-After) */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The field problems of an invalid job spec (400 InvalidJobSpec). */
  get fieldProblems(): FieldProblem[] {
    return Array.isArray(this.details) ? (this.details as FieldProblem[]) : [];
  }
}

export interface Api {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  /** the raw answer, for text and files (logs, outputs) */
  fetchRaw(path: string, signal?: AbortSignal): Promise<Response>;
}

/** An API client for one key; `onUnauthorized` runs when the API no longer accepts it (401). */
export function createApi(key: string, onUnauthorized: () => void): Api {
  const call = async (method: string, path: string, body: unknown, signal?: AbortSignal) => {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        // the key goes in the header only; no cookie is ever involved
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiProblem(0, 'Unreachable', 'The API does not answer; check your connection.');
    }
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw await problemOf(response);
    return response;
  };
  return {
    get: async <T>(path: string, signal?: AbortSignal) =>
      (await (await call('GET', path, undefined, signal)).json()) as T,
    post: async <T>(path: string, body?: unknown, signal?: AbortSignal) =>
      (await (await call('POST', path, body ?? {}, signal)).json()) as T,
    fetchRaw: (path, signal) => call('GET', path, undefined, signal),
  };
}

async function problemOf(response: Response): Promise<ApiProblem> {
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    return new ApiProblem(
      response.status,
      body.error?.code ?? `Http${response.status}`,
      body.error?.message ?? response.statusText,
      body.error?.details,
      retryAfter,
    );
  } catch {
    return new ApiProblem(
      response.status,
      `Http${response.status}`,
      response.statusText,
      undefined,
      retryAfter,
    );
  }
}

/** `/v1/jobs/<jobId>...`: every path segment taken from data is encoded. */
export function jobPath(jobId: string, ...rest: Array<string | number>): string {
  return ['/v1/jobs', jobId, ...rest].map((part, i) => (i === 0 ? part : encodeURIComponent(part))).join('/');
}
