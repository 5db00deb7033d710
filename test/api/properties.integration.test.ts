/**
 * Hostile input to the HTTP API (property-based, fast-check): random and malformed bodies, huge bodies,
 * unicode, wrong types and content types, random paths, job ids, run ids, queries and tokens. Every request
 * here is wrong in some way, and each must get a 4xx with the API's error body `{ error: { code, message } }`:
 * never a 5xx, never a crash. The API runs with a real Temporal client on the run's dev server (nothing polls
 * its task queue, and no request here can start a job); requests go through Fastify's `inject`, no network.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiError } from '../../src/api/errors';
import { PageTokens } from '../../src/api/page-tokens';
import { buildApiServer } from '../../src/api/server';
import { JobClient } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { ApiKeys } from '../../src/security/api-keys';
import { RunTokens } from '../../src/security/run-tokens';
import { JobSpecError, parseJobSpec } from '../../src/shared/job-spec';

const RUNS = 120;
const TENANT = 'acme';
const API_KEY = `acme-${randomBytes(16).toString('hex')}`;
const SECRET = randomBytes(32).toString('base64url');
/** A little above the API's body limits: 1 MiB for jobs, 16 KiB for callbacks. */
const HUGE_BODY = JSON.stringify({ tenant: TENANT, image: 'x', env: { BIG: 'x'.repeat(1024 * 1024 + 1) } });
const LARGE_CALLBACK = JSON.stringify({ status: 'Completed', message: 'x'.repeat(17 * 1024) });

let connection: Connection;
let app: FastifyInstance;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalDevAddress') });
  app = await buildApiServer({
    // nothing polls this queue; no request below can start a job anyway
    jobs: new JobClient(new Client({ connection, namespace: DEFAULT_NAMESPACE }), {
      taskQueue: `api-properties-${randomBytes(4).toString('hex')}`,
      settings: {},
    }),
    apiKeys: new ApiKeys({ [TENANT]: [API_KEY] }),
    callbackSecret: SECRET,
  });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
});

// ---- building blocks ---------------------------------------------------------------------------------------

/** Printable ASCII and Latin-1: what an HTTP header value can carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
  maxLength: 300,
});
const unicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);
/** A path segment: encoded unicode, dots, malformed escapes, very long. */
const segment = fc.oneof(
  unicode.map(encodeSegment),
  fc.stringMatching(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  fc.constantFrom('%', '%E0%A4%A', '..', '%2e%2e', '%00', 'a%2Fb', '%F0%9F%A7%A8', '-', 'A'),
  fc.constantFrom('x'.repeat(300), 'a-'.repeat(150)),
);
const wrongApiKey = fc.oneof(
  fc.constant(undefined),
  headerText.map((text) => `Bearer ${text}`),
  headerText,
  fc.constant(`Bearer ${API_KEY}x`),
  fc.constant(`Basic ${API_KEY}`),
  fc.constant(`bearer ${API_KEY}`),
);
/** Claims of a run that does not exist: a well-signed token for it is answered 404, never 2xx. */
const NO_SUCH_RUN = {
  firstRunId: '00000000-0000-4000-8000-000000000000',
  expiresAtMs: Date.now() + 3600_000,
};
const issue = (secret: string, runId: string) => new RunTokens(secret).issue(runId, NO_SUCH_RUN);
const wrongRunToken = (runId: string) =>
  fc.oneof(
    fc.constant(undefined),
    headerText.map((text) => `Bearer ${text}`),
    fc.constant(`Bearer ${issue(`${SECRET}x`, runId)}`),
    fc.constant(`Bearer ${issue(SECRET, `${runId}x`)}`),
    fc.constant(`Basic ${issue(SECRET, runId)}`),
  );
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/json; charset=utf-16',
  ),
  headerText,
);
const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.oneof(unicode, fc.constantFrom('__proto__', 'constructor', 'tenant', 'status')),
    fc.jsonValue(),
    {
      maxKeys: 6,
    },
  ),
);
/** Bodies as sent: JSON of any value, malformed JSON, text, nothing, or too large. */
const rawBody = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  fc.constantFrom('{"tenant":', '{', '[1,', 'null', '"', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}'),
  unicode,
  fc.constant(''),
  fc.constant(HUGE_BODY),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');

function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate cannot be encoded: send its malformed UTF-8 instead
  }
}

const bearer = (token: string) => `Bearer ${token}`;
const headers = (authorization: string | undefined, type?: string): Record<string, string> => ({
  ...(authorization !== undefined && { authorization }),
  ...(type !== undefined && { 'content-type': type }),
});

/** The body the API would submit for tenant acme is not a valid spec (so no job can start). */
function invalidForTenant(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return true;
  const spec = body as Record<string, unknown>;
  if (spec.tenant !== undefined && spec.tenant !== TENANT) return true; // refused as another tenant's
  try {
    parseJobSpec({ ...spec, tenant: TENANT });
    return false;
  } catch (error) {
    if (error instanceof JobSpecError) return true;
    throw error;
  }
}

/** A spec that is valid for acme but for one field. */
const nearlyValidSpec = fc
  .record({
    image: fc.constantFrom('acibatch.azurecr.io/samples/batch-job:1', 'node:20'),
    jobId: fc.stringMatching(/^[a-z0-9]{1,10}$/),
    instances: fc.integer({ min: 1, max: 5 }),
  })
  .chain((spec) =>
    fc
      .record({
        key: fc.constantFrom(
          'cpu',
          'memoryGB',
          'instances',
          'timeLimit',
          'env',
          'ports',
          'onFailure',
          'tags',
          'image',
        ),
        value: jsonValue,
      })
      .map(({ key, value }) => ({ ...spec, [key]: value })),
  )
  .filter(invalidForTenant);

// ---- request families: each request is wrong in some way --------------------------------------------------

/** Job routes without a valid API key. */
const unauthenticatedJobRequests = fc
  .record({
    route: fc.constantFrom('/v1/jobs', '/v1/jobs/:id', '/v1/jobs/:id/cancel', '/v1/jobs/:id/instances/0'),
    id: segment,
    method: fc.constantFrom('GET', 'POST'),
    authorization: wrongApiKey,
    body: fc.option(rawBody, { nil: undefined }),
  })
  .map(({ route, id, method, authorization, body }): InjectOptions => ({
    method,
    url: route.replace(':id', id),
    headers: headers(authorization, body === undefined ? undefined : 'application/json'),
    ...(body !== undefined && method === 'POST' && { payload: body }),
  }));

/** Submissions with a valid key and an invalid spec, as JSON. */
const invalidSubmissions = fc
  .record({
    body: fc.oneof(jsonValue.filter(invalidForTenant), nearlyValidSpec),
    idempotencyKey: fc.option(headerText, { nil: undefined }),
  })
  .map(({ body, idempotencyKey }): InjectOptions => ({
    method: 'POST',
    url: '/v1/jobs',
    headers: {
      ...headers(bearer(API_KEY), 'application/json'),
      ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
    },
    payload: JSON.stringify(body),
  }));

/** Submissions with a valid key and a malformed, mistyped or oversized body. */
const malformedSubmissions = fc
  .record({ body: rawBody, type: fc.option(contentType, { nil: undefined }) })
  .filter(({ body, type }) => !isJsonType(type) || !parsesToValidSpec(body))
  .map(({ body, type }): InjectOptions => ({
    method: 'POST',
    url: '/v1/jobs',
    headers: headers(bearer(API_KEY), type),
    payload: body,
  }));

/** Reads and cancels of jobs and instances that do not exist, or with ids that cannot be. */
const unknownJobRequests = fc
  .record({
    route: fc.constantFrom('/v1/jobs/:id', '/v1/jobs/:id/cancel', '/v1/jobs/:id/instances/:index'),
    id: segment,
    index: fc.oneof(
      fc.nat(100_000).map(String),
      fc.constantFrom('-1', '1e9', '1.5', 'x', '999999999999999999999'),
    ),
  })
  .map(({ route, id, index }): InjectOptions => ({
    method: route.endsWith('cancel') ? 'POST' : 'GET',
    url: route.replace(':id', `nope-${id}`).replace(':index', index),
    headers: headers(bearer(API_KEY)),
  }));

const LIST_PARAMETERS = ['since', 'until', 'pageSize', 'status', 'pageToken'];
const JOB_OUTCOMES = ['Running', 'Completed', 'PartiallyFailed', 'Failed', 'Cancelled'];
const queryParameter = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) =>
  fc.record({ name, value });

/** Job lists with a wrong query parameter: not a time, out of range, unknown, or a page token never issued. */
const wrongListQueries = fc
  .oneof(
    queryParameter(fc.constantFrom('since', 'until'), headerText),
    queryParameter(
      fc.constant('pageSize'),
      fc.oneof(fc.integer({ min: 201 }), fc.integer({ max: 0 }), fc.constant(1.5)).map(String),
    ),
    queryParameter(
      fc.constant('status'),
      unicode.filter((text) => !JOB_OUTCOMES.includes(text)),
    ),
    queryParameter(
      fc.constant('pageToken'),
      fc.oneof(fc.constant('x'.repeat(4097)), headerText.filter(Boolean), fc.base64String({ minLength: 4 })),
    ),
    queryParameter(
      fc.stringMatching(/^[a-z]{1,10}$/).filter((name) => !LIST_PARAMETERS.includes(name)),
      unicode,
    ),
  )
  .map(({ name, value }): InjectOptions => ({
    method: 'GET',
    url: `/v1/jobs?${new URLSearchParams({ [name]: value }).toString()}`,
    headers: headers(bearer(API_KEY)),
  }));

/** Container callbacks with a wrong token, for any run id. */
const forgedCallbacks = fc
  .record({
    runId: fc.oneof(unicode, fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}\.\d$/)),
    path: fc.constantFrom('', '/complete', '/progress'),
  })
  .chain(({ runId, path }) =>
    fc.record({
      runId: fc.constant(runId),
      path: fc.constant(path),
      authorization: wrongRunToken(runId),
      body: rawBody,
    }),
  )
  .map(({ runId, path, authorization, body }): InjectOptions => ({
    method: path ? 'POST' : 'GET',
    url: `/v1/runs/${encodeSegment(runId)}${path}`,
    headers: headers(authorization, 'application/json'),
    ...(path && { payload: body }),
  }));

/** Callbacks with the valid token of a run that does not exist, or with a wrong body. */
const callbacksToNoRun = fc
  .record({
    runId: fc.oneof(
      unicode.filter((id) => id.length > 0),
      fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}\.\d{1,3}$/),
    ),
    path: fc.constantFrom('', '/complete', '/progress'),
    body: fc.oneof(
      rawBody,
      fc.constant(LARGE_CALLBACK),
      fc.constant(JSON.stringify({ status: 'Completed', exitCode: 0, reportId: 'r' })),
      fc.constant(JSON.stringify({ percent: 50 })),
      fc
        .record({ status: jsonValue, exitCode: jsonValue, attempt: jsonValue })
        .map((body) => JSON.stringify(body)),
    ),
    type: fc.option(contentType, { nil: undefined }),
  })
  .map(({ runId, path, body, type }): InjectOptions => ({
    method: path ? 'POST' : 'GET',
    url: `/v1/runs/${encodeSegment(runId)}${path}`,
    headers: headers(bearer(issue(SECRET, runId)), type),
    ...(path && { payload: body }),
  }));

/** Any method on paths no route serves (or on routes with the wrong method). */
const strayRequests = fc
  .record({
    method,
    path: fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
      fc.constantFrom(
        '/v1',
        '/v1/',
        '/v1/runs',
        '/v2/jobs',
        '//v1/jobs',
        '/v1/jobs/a/b/c',
        '/openapi.json/x',
      ),
    ),
    authorization: wrongApiKey,
  })
  // served paths, once dot segments are resolved as the router does ('/%2e%2e' is the root: a redirect)
  .filter(
    ({ method, path }) =>
      !['/', '/console', '/healthz', '/openapi.json'].includes(new URL(`http://api${path}`).pathname) ||
      !['GET', 'HEAD'].includes(method),
  )
  .map(({ method, path, authorization }): InjectOptions => ({
    method,
    url: path,
    headers: headers(authorization),
  }));

function isJsonType(type: string | undefined): boolean {
  return type !== undefined && /^application\/json\s*(;|$)/i.test(type);
}

function parsesToValidSpec(body: string): boolean {
  try {
    return !invalidForTenant(JSON.parse(body));
  } catch {
    return false;
  }
}

// ---- the property -----------------------------------------------------------------------------------------

/** Sends the request; fails unless the answer is a 4xx with the API's error body. */
async function expectClientError(request: InjectOptions): Promise<void> {
  const response = await app.inject(request);
  const url = typeof request.url === 'string' ? request.url : JSON.stringify(request.url);
  const what = `${request.method} ${url.slice(0, 200)} answered ${response.statusCode}: ${response.body.slice(0, 300)}`;
  expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, what).toBeLessThan(500);
  if (request.method === 'HEAD') return; // no body, by definition
  const body = response.json<{ error?: { code?: unknown; message?: unknown } }>();
  expect(body.error?.code, what).toMatch(/^[A-Za-z]+$/);
  expect(body.error?.message, what).toMatch(/\S/);
}

describe('the HTTP API under hostile input (property-based)', () => {
  it.each([
    ['job routes without a valid API key', unauthenticatedJobRequests],
    ['submissions of invalid specs', invalidSubmissions],
    ['malformed, mistyped and oversized submissions', malformedSubmissions],
    ['jobs and instances that do not exist', unknownJobRequests],
    ['job lists with a wrong query', wrongListQueries],
    ['callbacks with forged tokens', forgedCallbacks],
    ['callbacks to runs that do not exist, or with wrong bodies', callbacksToNoRun],
    ['stray paths and methods', strayRequests],
  ] as const)('answers %s with a 4xx and an error body, never a 5xx', async (_, requests) => {
    await fc.assert(fc.asyncProperty(requests, expectClientError), { numRuns: RUNS / 8 + 5 });
  });

  it('answers a run id no run can have (a NUL byte, found by this test) with 404, without asking Temporal', async () => {
    for (const path of ['', '/complete']) {
      const response = await app.inject({
        method: path ? 'POST' : 'GET',
        url: `/v1/runs/%00${path}`,
        headers: headers(bearer(issue(SECRET, '\0')), 'application/json'),
        ...(path && { payload: JSON.stringify({ status: 'Completed', exitCode: 0 }) }),
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'RunNotFound' } });
    }
  });

  it('accepts a page token only from the tenant it was issued to, unaltered', () => {
    const pageTokens = new PageTokens(SECRET);
    const refused = (tenant: string, token: string) => {
      try {
        pageTokens.open(tenant, token);
        return false;
      } catch (error) {
        return error instanceof ApiError && error.statusCode === 400;
      }
    };
    const tenant = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    fc.assert(
      fc.property(tenant, tenant, fc.base64String({ minLength: 1 }), unicode, (owner, other, token, junk) => {
        const sealed = pageTokens.seal(owner, token)!;
        expect(pageTokens.open(owner, sealed)).toBe(token);
        if (other !== owner) expect(refused(other, sealed)).toBe(true);
        if (junk) expect(refused(owner, `${token}${junk}.${sealed.split('.').at(-1)}`)).toBe(true);
        expect(refused(owner, token)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
