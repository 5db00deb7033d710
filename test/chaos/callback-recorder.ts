/**
 * A recording relay in front of the HTTP API, for the chaos assertions about container callbacks: the containers
 * report to it (the job's callback base URL points here), it passes every request on to the API unchanged and
 * notes what was sent (the report id) and what the API answered, when. So a test can see a report refused during
 * an outage and the same report (same report id) sent again and accepted: a retry actually observed, not
 * inferred from the job's result.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One callback request as it passed the relay. */
export interface RecordedCallback {
  method: string;
  /** e.g. /v1/runs/<run id>/progress */
  path: string;
  /** the report's id (POSTs): the reporter sends the same id on every retry of one report */
  reportId?: string;
  /** the API's answer; 502 when the relay could not reach the API */
  status: number;
  retryAfter?: string;
  /** epoch ms */
  receivedAt: number;
  answeredAt: number;
}

export interface CallbackRecorder {
  /** where containers report instead of the API (append `/v1` for a callback base URL) */
  url: string;
  readonly callbacks: readonly RecordedCallback[];
  close(): Promise<void>;
}

export async function startCallbackRecorder(apiUrl: string): Promise<CallbackRecorder> {
  const callbacks: RecordedCallback[] = [];
  const server = createServer((request, response) => {
    const receivedAt = Date.now();
    void (async () => {
      const body = await readBody(request);
      const method = request.method ?? 'GET';
      let status = 0;
      let retryAfter: string | undefined;
      try {
        const answer = await fetch(`${apiUrl}${request.url ?? '/'}`, {
          method,
          headers: passedHeaders(request),
          body: body.length > 0 ? body : undefined,
          signal: AbortSignal.timeout(30_000),
        });
        status = answer.status;
        retryAfter = answer.headers.get('retry-after') ?? undefined;
        const text = await answer.text();
        response.writeHead(status, {
          'content-type': answer.headers.get('content-type') ?? 'application/json',
          ...(retryAfter !== undefined && { 'retry-after': retryAfter }),
        });
        response.end(text);
      } catch (error) {
        status = 502;
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'RelayFailed', message: String(error) } }));
      }
      callbacks.push({
        method,
        path: (request.url ?? '/').split('?')[0]!,
        reportId: reportIdOf(body),
        status,
        retryAfter,
        receivedAt,
        answeredAt: Date.now(),
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    callbacks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A callback the API refused (5xx) and what became of it: the later requests that are the same callback, sent
 * again. A report (POST) is the same when it carries the same report id; a GET of the run (the container asking
 * for its attempt) is the next GET of the same run.
 */
export interface RefusedCallback {
  method: string;
  path: string;
  reportId?: string;
  /** the statuses of the refusals, in order, e.g. [503, 503] */
  refusals: number[];
  /** the Retry-After of the first refusal */
  retryAfter?: string;
  /** ms from the first refusal's answer to the next sending; undefined if it was never sent again */
  resentAfterMs?: number;
  /** the status that finally accepted it (2xx), if any */
  acceptedWith?: number;
}

/** Every callback the API refused with a 5xx, with how (and whether) the container sent it again. */
export function refusedCallbacks(callbacks: readonly RecordedCallback[]): RefusedCallback[] {
  const bySameCallback = new Map<string, RecordedCallback[]>();
  for (const callback of callbacks) {
    const key = `${callback.method} ${callback.path} ${callback.reportId ?? ''}`;
    bySameCallback.set(key, [...(bySameCallback.get(key) ?? []), callback]);
  }
  return [...bySameCallback.values()].flatMap((sent) => {
    sent.sort((a, b) => a.receivedAt - b.receivedAt);
    const firstRefusal = sent.findIndex((callback) => callback.status >= 500);
    if (firstRefusal < 0) return [];
    const refused = sent[firstRefusal]!;
    const later = sent.slice(firstRefusal + 1);
    const accepted = later.find((callback) => callback.status >= 200 && callback.status < 300);
    const refusals = sent.slice(firstRefusal, accepted ? sent.indexOf(accepted) : undefined);
    return [
      {
        method: refused.method,
        path: refused.path,
        reportId: refused.reportId,
        refusals: refusals.map((callback) => callback.status),
        retryAfter: refused.retryAfter,
        resentAfterMs: later[0] && later[0].receivedAt - refused.answeredAt,
        acceptedWith: accepted?.status,
      },
    ];
  });
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function passedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

function reportIdOf(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { reportId?: unknown };
    return typeof parsed.reportId === 'string' ? parsed.reportId : undefined;
  } catch {
    return undefined;
  }
}
