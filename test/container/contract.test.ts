/**
 * docs/container-contract.md against the code, so the page a container author reads cannot drift from what
 * runs: its variables against CONTAINER_ENV and contractEnv(), its routes and request fields against the API's
 * OpenAPI document, its status tables against what the callback routes answer (the real Fastify app over a
 * stand-in Temporal client, mocked at the edge), its signals, control defaults and limits against the code.
 * A new variable, route, field or status without documentation fails here.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_GRANT_LIFETIME_MS } from '../../src/api/runs-routes';
import { buildApiServer } from '../../src/api/server';
import { JobClient } from '../../src/client';
import { ApiKeys } from '../../src/security/api-keys';
import { RunTokens } from '../../src/security/run-tokens';
import { contractEnv, MAX_START_CALL_MS, type ReportChannel } from '../../src/shared/container-contract';
import { parseJobSpec } from '../../src/shared/job-spec';
import {
  completionSignal,
  progressSignal,
  runProgressQuery,
  type RunProgress,
} from '../../src/shared/messages';
import { CONTAINER_ENV } from '../../src/shared/names';
import { MAX_OUTPUT_NAME } from '../../src/shared/storage';
import { RunStorage, type UploadGrant } from '../../src/storage/run-storage';
import { EXIT_REPORT_GRACE_MS } from '../../src/workflows/attempt-wait';
import { MESSAGE_MAX_CHARS, RESULT_MAX_CHARS } from '../../src/workflows/history-limits';
import { verdictOf } from '../../src/workflows/outcome';

const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'container-contract.md'), 'utf8');

// ---- the page, read as sections and tables ----

interface Section {
  heading: string;
  body: string;
}

/** Sections of one heading level (`##` or `###`); a section ends at the next heading of its level or above. */
function sectionsOf(markdown: string, level: 2 | 3): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? undefined : /^(#{1,6}) (.*)$/.exec(line);
    if (heading && heading[1]!.length <= level) {
      current = heading[1]!.length === level ? { heading: heading[2]!.trim(), body: '' } : undefined;
      if (current) sections.push(current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return sections;
}

function section(heading: string, level: 2 | 3 = 2): string {
  const found = sectionsOf(DOC, level).find((candidate) => candidate.heading === heading);
  if (!found) throw new Error(`docs/container-contract.md has no section "${heading}"`);
  return found.body;
}

interface Table {
  header: string[];
  rows: string[][];
}

function tablesOf(body: string): Table[] {
  const tables: Table[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.length >= 2) {
      const [header, , ...rows] = lines.map((line) =>
        line
          .replace(/^\||\|$/g, '')
          .split('|')
          .map((cell) => cell.trim()),
      );
      tables.push({ header: header!, rows });
    }
    lines = [];
  };
  for (const line of body.split('\n')) {
    if (line.startsWith('|')) lines.push(line.trim());
    else flush();
  }
  flush();
  return tables;
}

/** The one table of a section whose first column is `firstColumn`. */
function table(body: string, firstColumn: string): Table {
  const matching = tablesOf(body).filter((candidate) => candidate.header[0] === firstColumn);
  if (matching.length !== 1) throw new Error(`expected one table with a "${firstColumn}" column`);
  return matching[0]!;
}

/** The backticked names in a cell. */
function codes(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

const sorted = <T>(values: Iterable<T>) => [...values].sort();

// ---- the environment ----

describe('the environment variables of the contract page', () => {
  const run = { workflowId: 'acme.nightly.3', tenant: 'acme', jobId: 'nightly', instanceIndex: 3 };
  const channels: Record<ReportChannel['kind'], ReturnType<typeof contractEnv>> = {
    callback: contractEnv(
      run,
      { kind: 'callback', baseUrl: 'https://batch.example.com/v1', tokenExpiresAtMs: Date.now() + 60_000 },
      'v2.token.mac',
    ),
    signal: contractEnv(run, { kind: 'signal', address: 'temporal:7233', namespace: 'default' }, undefined),
    exitCode: contractEnv(run, { kind: 'exitCode' }, undefined),
  };
  const names = (channel: ReturnType<typeof contractEnv>) => [
    ...Object.keys(channel.env),
    ...Object.keys(channel.secureEnv),
  ];
  const documented = table(section('Environment variables'), 'variable').rows.map(([name, when, secure]) => ({
    name: codes(name)[0],
    when,
    secure,
  }));

  it('are exactly the variables of CONTAINER_ENV, and every variable a run can set is one of them', () => {
    expect(sorted(documented.map((variable) => variable.name))).toEqual(sorted(Object.values(CONTAINER_ENV)));
    const set = new Set(Object.values(channels).flatMap(names));
    expect(sorted(set)).toEqual(sorted(Object.values(CONTAINER_ENV)));
  });

  it('say when each is set and which are secure, as contractEnv() sets them', () => {
    for (const { name, when, secure } of documented) {
      const expectedWhen = names(channels.exitCode).includes(name!)
        ? 'always'
        : names(channels.callback).includes(name!)
          ? 'callback'
          : 'signal';
      const isSecure = Object.values(channels).some((channel) => name! in channel.secureEnv);
      expect({ name, when, secure }).toEqual({ name, when: expectedWhen, secure: isSecure ? 'yes' : 'no' });
    }
  });

  it('show the callback URL as contractEnv() builds it', () => {
    const row = table(section('Environment variables'), 'variable').rows.find(
      ([name]) => codes(name)[0] === CONTAINER_ENV.callbackUrl,
    );
    expect(row?.[3]).toContain(channels.callback.env[CONTAINER_ENV.callbackUrl]);
  });
});

// ---- the callback routes ----

/** How the stand-in Temporal client answers: what the routes ask of it (signal, describe, query). */
interface Temporal {
  signal?: () => Promise<void>;
  describe?: () => Promise<{ firstRunId: string; status: string }>;
  query?: () => Promise<RunProgress>;
}

const FIRST_RUN_ID = '00000000-0000-4000-8000-000000000001';
const RUN_ID = 'acme.nightly.3';
const secret = randomBytes(32).toString('base64url');
const tokens = new RunTokens(secret);
const validToken = tokens.issue(RUN_ID, { firstRunId: FIRST_RUN_ID, expiresAtMs: Date.now() + 3600_000 });
const expiredToken = tokens.issue(RUN_ID, { firstRunId: FIRST_RUN_ID, expiresAtMs: Date.now() - 3600_000 });

const notFound = () => Promise.reject(new WorkflowNotFoundError('not found', RUN_ID, undefined));
const open =
  (firstRunId = FIRST_RUN_ID, status = 'RUNNING') =>
  () =>
    Promise.resolve({ firstRunId, status });
/** gRPC UNAVAILABLE, as the SDK raises it while the server is away */
const unavailable = () =>
  Promise.reject(
    Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), {
      code: 14,
      details: 'connect ECONNREFUSED',
      metadata: {},
    }),
  );
const bug = () => Promise.reject(new Error('a bug'));

let temporal: Temporal = {};
const stubClient = {
  workflow: {
    getHandle: () => ({
      signal: () => (temporal.signal ?? bug)(),
      describe: async () => {
        const { firstRunId, status } = await (temporal.describe ?? bug)();
        return { raw: { workflowExecutionInfo: { firstRunId } }, status: { name: status } };
      },
      query: () => (temporal.query ?? bug)(),
    }),
  },
} as unknown as Client;

interface Scenario {
  name: string;
  temporal: Temporal;
  request: Omit<InjectOptions, 'method' | 'url'>;
  /** the run id in the URL (default RUN_ID, the token's) */
  runId?: string;
  /** the deployment has no storage account */
  noStorage?: boolean;
}

/** Storage mocked at the edge: a grant signed for the name asked. */
const storageStub = {
  grantUpload: async (run: unknown, name: string, expiresAt: Date): Promise<UploadGrant> => ({
    name,
    uploadUrl: `https://account.blob.core.windows.net/aci-batch-outputs/acme/nightly/3/x/${name}?sp=cw&sr=b&sig=s`,
    expiresAt: expiresAt.toISOString(),
  }),
} as unknown as RunStorage;

const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every situation the page documents a status for; each route's statuses are the union of what they answer. */
function scenarios(route: string, body: Record<string, unknown> | undefined): Scenario[] {
  const post = body !== undefined;
  const request = (extra: Scenario['request'] = {}): Scenario['request'] => ({
    headers: { ...bearer(validToken), ...(post && json) },
    ...(post && { payload: body }),
    ...extra,
  });
  const delivered: Temporal = post
    ? { signal: () => Promise.resolve(), describe: open() }
    : {
        describe: open(),
        query: () => Promise.resolve({ phase: 'Running', attempt: 2, groupName: 'acme-nightly-x-3' }),
      };
  const list: Scenario[] = [
    { name: 'accepted', temporal: delivered, request: request() },
    { name: 'no token', temporal: delivered, request: request({ headers: post ? json : {} }) },
    {
      name: 'an expired token',
      temporal: delivered,
      request: request({ headers: { ...bearer(expiredToken), ...(post && json) } }),
    },
    {
      name: 'the token of an earlier run with the same id',
      temporal: { signal: notFound, describe: open('another-first-run-id') },
      request: request(),
    },
    { name: 'no such run', temporal: { signal: notFound, describe: notFound }, request: request() },
    {
      name: 'a finished run',
      temporal: { signal: notFound, describe: open(FIRST_RUN_ID, 'COMPLETED') },
      request: request(),
    },
    { name: 'Temporal away', temporal: { signal: unavailable, describe: unavailable }, request: request() },
    { name: 'a bug', temporal: { signal: bug, describe: bug }, request: request() },
    { name: 'a malformed run id', temporal: delivered, request: request(), runId: 'x'.repeat(201) },
  ];
  if (!post) return list;
  const outputs = route.endsWith('/outputs')
    ? [
        {
          name: "a name that leaves the run's place",
          temporal: delivered,
          request: request({ payload: { name: '../1/x.csv' } }),
        },
        { name: 'no storage account', temporal: delivered, request: request(), noStorage: true },
      ]
    : [];
  return [
    ...list,
    ...outputs,
    { name: 'an unknown field', temporal: delivered, request: request({ payload: { ...body, bogus: 1 } }) },
    { name: 'not JSON', temporal: delivered, request: request({ payload: '{"status":' }) },
    {
      name: 'a body over 16 KiB',
      temporal: delivered,
      request: request({ payload: JSON.stringify({ ...body, message: 'x'.repeat(16 * 1024) }) }),
    },
    {
      name: 'not application/json',
      temporal: delivered,
      request: request({
        headers: { ...bearer(validToken), 'content-type': 'application/xml' },
        payload: '<progress/>',
      }),
    },
  ];
}

const BODIES: Record<string, Record<string, unknown> | undefined> = {
  'GET /v1/runs/{runId}': undefined,
  'POST /v1/runs/{runId}/progress': { percent: 40, message: 'step 2/5', reportId: 'r1', attempt: 1 },
  'POST /v1/runs/{runId}/complete': { status: 'Completed', exitCode: 0, result: { rows: 3 }, reportId: 'r2' },
  'POST /v1/runs/{runId}/outputs': { name: 'results/summary.csv' },
};

interface Operation {
  tags?: string[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses?: Record<string, { description?: string }>;
}
interface JsonSchema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

describe('the callback routes of the contract page', () => {
  let app: FastifyInstance;
  let bareApp: FastifyInstance;
  let operations: Map<string, Operation>;
  const routeSections = new Map<string, string>(
    sectionsOf(DOC, 3).flatMap(({ heading, body }) => {
      const route = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S+)`$/.exec(heading);
      return route ? [[`${route[1]} ${route[2]}`, body] as const] : [];
    }),
  );

  beforeAll(async () => {
    app = await buildApiServer({
      jobs: new JobClient(stubClient, { taskQueue: 'unused' }),
      apiKeys: new ApiKeys({}),
      callbackSecret: secret,
      storage: storageStub,
    });
    bareApp = await buildApiServer({
      jobs: new JobClient(stubClient, { taskQueue: 'unused' }),
      apiKeys: new ApiKeys({}),
      callbackSecret: secret,
    });
    await Promise.all([app.ready(), bareApp.ready()]);
    const document = app.swagger() as { paths: Record<string, Record<string, Operation>> };
    operations = new Map<string, Operation>(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, operation]) => operation.tags?.includes('container callbacks'))
          .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const),
      ),
    );
  });
  afterAll(() => Promise.all([app?.close(), bareApp?.close()]));

  it("are exactly the OpenAPI document's container callback operations", () => {
    expect(operations.size).toBeGreaterThan(0);
    expect(sorted(routeSections.keys())).toEqual(sorted(operations.keys()));
    expect(sorted(Object.keys(BODIES))).toEqual(sorted(operations.keys()));
  });

  it('document every request field as the OpenAPI schema has it: name, whether required, type, limits', () => {
    for (const [route, operation] of operations) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      const fieldTables = tablesOf(routeSections.get(route)!).filter((t) => t.header[0] === 'field');
      if (!schema) {
        expect(fieldTables, route).toEqual([]);
        continue;
      }
      expect(fieldTables, route).toHaveLength(1);
      const rows = new Map(fieldTables[0]!.rows.map((row) => [codes(row[0])[0]!, row]));
      expect(sorted(rows.keys()), route).toEqual(sorted(Object.keys(schema.properties ?? {})));
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const [, type = '', required] = rows.get(name)!;
        const where = `${route} ${name}`;
        expect(required, where).toBe(schema.required?.includes(name) ? 'yes' : 'no');
        if (property.type) expect(type, where).toContain(property.type);
        for (const value of property.enum ?? []) expect(type, where).toContain(JSON.stringify(value));
        for (const limit of [property.minLength, property.maxLength, property.minimum, property.maximum]) {
          if (limit !== undefined) expect(type, where).toContain(String(limit));
        }
        if (Object.keys(property).length === 0) expect(type, where).toBe('any JSON');
      }
    }
  });

  it('document every status each route answers, with its error code, and no other', async () => {
    for (const [route, operation] of operations) {
      const [method, path] = route.split(' ') as ['GET' | 'POST', string];
      const rows = new Map(
        table(routeSections.get(route)!, 'status').rows.map((row) => [Number(row[0]), row] as const),
      );
      const answered = new Set<number>();
      for (const scenario of scenarios(route, BODIES[route])) {
        temporal = scenario.temporal;
        const response = await (scenario.noStorage ? bareApp : app).inject({
          method,
          url: path.replace('{runId}', scenario.runId ?? RUN_ID),
          ...scenario.request,
        });
        const where = `${route}, ${scenario.name}: ${response.statusCode} ${response.body}`;
        answered.add(response.statusCode);
        const row = rows.get(response.statusCode);
        expect(row, `${where} is not documented`).toBeDefined();
        const errorCode =
          response.statusCode >= 400 ? response.json<{ error: { code: string } }>().error.code : undefined;
        if (errorCode) expect(codes(row![1]), where).toContain(errorCode);
        else expect(row![1], where).toBe('—');
        const retryAfter = response.headers['retry-after'];
        if (retryAfter) expect(row![2], where).toContain(`Retry-After: ${String(retryAfter)}`);
      }
      expect(sorted(rows.keys()), `${route}: documented statuses`).toEqual(sorted(answered));
      // once the routes declare their responses in the OpenAPI document, the page must list exactly those
      const declared = Object.entries(operation.responses ?? {})
        .filter(([, response]) => response.description !== 'Default Response')
        .map(([status]) => Number(status));
      if (declared.length > 0) expect(sorted(rows.keys()), route).toEqual(sorted(declared));
    }
  });

  it('answer 200 to GET with the fields the page shows', async () => {
    temporal = {
      describe: open(),
      query: () =>
        Promise.resolve({ phase: 'Running', attempt: 2, groupName: 'g', percent: 40, message: 'm' }),
    };
    const response = await app.inject({ url: `/v1/runs/${RUN_ID}`, headers: bearer(validToken) });
    const example = /```json\n([\s\S]*?)\n```/.exec(section('`GET /v1/runs/{runId}`', 3))?.[1];
    expect(sorted(Object.keys(response.json<object>()))).toEqual(
      sorted(Object.keys(JSON.parse(example!) as object)),
    );
  });

  it('accept a body of 16 KiB (the documented limit) and refuse one byte more', async () => {
    temporal = { signal: () => Promise.resolve() };
    const sized = (bytes: number) => {
      const empty = JSON.stringify({ message: '' });
      return JSON.stringify({ message: 'x'.repeat(bytes - empty.length) });
    };
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/runs/${RUN_ID}/progress`,
        headers: { ...bearer(validToken), ...json },
        payload,
      });
    expect((await post(sized(16 * 1024))).statusCode).not.toBe(413);
    expect((await post(sized(16 * 1024 + 1))).statusCode).toBe(413);
  });
});

// ---- signals, attempts, exits, control, limits ----

describe('the rest of the contract page', () => {
  it('names the signals and the query of direct-signal mode as src/shared/messages.ts defines them', () => {
    const rows = table(section('Reporting by direct Temporal signal'), 'kind').rows.map(([kind, name]) => [
      kind,
      codes(name)[0],
    ]);
    expect(sorted(rows.map((row) => row.join(' ')))).toEqual(
      sorted([
        `signal ${progressSignal.name}`,
        `signal ${completionSignal.name}`,
        `query ${runProgressQuery.name}`,
      ]),
    );
  });

  it("quotes the run's messages for a container that exits without reporting", () => {
    const exits = section('A container that only exits');
    const zero = verdictOf({ kind: 'exited', exitCode: 0 }, '1h');
    const three = verdictOf({ kind: 'exited', exitCode: 3 }, '1h');
    expect(zero.status).toBe('Succeeded');
    expect(exits).toContain(`"${zero.message}"`);
    expect(three).toMatchObject({ status: 'Failed', exitCode: 3 });
    expect(exits).toContain(`"${three.message!.replace('3', 'N')}"`);
    expect(exits).toContain(`within ${EXIT_REPORT_GRACE_MS / 1000} seconds`);
  });

  it("gives the control endpoint's defaults as the job spec has them", () => {
    const spec = (control: object) =>
      parseJobSpec({ tenant: 'acme', image: 'example.azurecr.io/job:1', ports: [8080], control });
    const { control } = spec({ port: 8080 });
    const every = spec({ port: 8080, startPath: '/go', progressPath: '/progress' }).control;
    const rows = new Map(
      table(section('The control endpoint (jobs started through their URL)'), 'setting').rows.map((row) => [
        codes(row[0])[0],
        row[1],
      ]),
    );
    expect(sorted(rows.keys())).toEqual(sorted(Object.keys(every!)));
    expect(rows.get('startPath')).toBe(`\`${control!.startPath}\``);
    expect(control!.progressPath).toBeUndefined();
    expect(rows.get('progressPath')).toBe('none');
    expect(section('The control endpoint (jobs started through their URL)')).toContain(
      `for up to ${MAX_START_CALL_MS / 60_000} minutes`,
    );
  });

  it('gives the limits the run applies', () => {
    const rows = table(section('Limits'), 'what').rows;
    const limit = (what: string) => rows.find(([name]) => name!.includes(what))?.[1] ?? '';
    expect(limit('`message`')).toContain(`the first ${MESSAGE_MAX_CHARS} characters`);
    expect(limit('`result`')).toContain(`${RESULT_MAX_CHARS} characters of JSON`);
    expect(limit('grace')).toBe(`${EXIT_REPORT_GRACE_MS / 1000} seconds`);
    expect(limit('start call')).toBe(`${MAX_START_CALL_MS / 60_000} minutes`);
  });

  it("gives the outputs' limits as the API applies them, and the grant's permissions", async () => {
    const rows = table(section('Limits'), 'what').rows;
    const limit = (what: string) => rows.find(([name]) => name!.includes(what))?.[1] ?? '';
    expect(limit('output')).toBe(`${MAX_OUTPUT_NAME} characters`);
    expect(limit('grant')).toContain(`${OUTPUT_GRANT_LIFETIME_MS / 60_000} minutes`);
    expect(section('Outputs')).toContain(`valid for ${OUTPUT_GRANT_LIFETIME_MS / 60_000} minutes`);
    // what a real grant allows: create and write, one blob (the SAS's sp and sr), as the page says
    const storage = new RunStorage({
      target: {
        kind: 'connectionString',
        connectionString:
          'DefaultEndpointsProtocol=https;AccountName=account;AccountKey=a2V5;EndpointSuffix=core.windows.net',
      },
      containerPrefix: 'aci-batch',
      retention: '30 days',
    });
    storage.ensureContainers = () => Promise.resolve();
    const grant = await storage.grantUpload(
      { tenant: 'acme', jobId: 'nightly', instanceIndex: 3, runKey: 'x' },
      'results/a.csv',
      new Date(Date.now() + 60_000),
    );
    const sas = new URL(grant.uploadUrl).searchParams;
    expect([sas.get('sp'), sas.get('sr')]).toEqual(['cw', 'b']);
    expect(section('Outputs')).toContain('create and write only (no read, no list, no delete)');
  });
});
