/**
 * The routes the tenant console uses beside the job routes, on the real dev server and the local stack:
 * `GET /v1/whoami` (which tenant a key is), `GET /v1/cost` (a tenant's cost over a period, its own jobs only),
 * and the console's static files under /console/ (security headers, caching, and a clear 503 when the console
 * is not built).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureConsoleBuilt } from '../../dev/console-build';
import { startLocalStack, type LocalStack } from '../../dev/local-stack';
import { buildApiServer } from '../../src/api/server';
import { defaultConsoleDir } from '../../src/api/console-routes';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { ApiKeys } from '../../src/security/api-keys';
import { submitSpec } from '../helpers/jobs';
import { workflowBundle } from '../helpers/temporal';

const keys = {
  acme: `acme-${randomBytes(16).toString('hex')}`,
  globex: `globex-${randomBytes(16).toString('hex')}`,
};
let stack: LocalStack;
let jobId: string;

beforeAll(async () => {
  await ensureConsoleBuilt();
  stack = await startLocalStack({
    temporalAddress: inject('temporalDevAddress'),
    namespace: DEFAULT_NAMESPACE,
    taskQueue: `tenant-${randomBytes(4).toString('hex')}`,
    apiKeys: { acme: [keys.acme], globex: [keys.globex] },
    workflowBundle: workflowBundle(),
    pollIntervalMs: 100,
  });
  const job = await submitSpec(stack.jobs, {
    tenant: 'acme',
    image: 'acibatch.azurecr.io/samples/batch-job:1',
    cpu: 0.5,
    memoryGB: 0.5,
    env: { WORK_STEPS: '1', STEP_MS: '10' },
    instances: 2,
    monitorInterval: '1s',
  });
  jobId = job.ref.jobId;
  await stack.jobs.result(job.ref);
}, 120_000);
afterAll(() => stack?.stop());

async function get(path: string, key?: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    redirect: 'manual',
  });
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await response.json() : await response.text();
  return { status: response.status, headers: response.headers, body };
}

describe('GET /v1/whoami', () => {
  it("names the key's tenant, and refuses a missing or unknown key (401)", async () => {
    expect(await get('/v1/whoami', keys.acme)).toMatchObject({ status: 200, body: { tenant: 'acme' } });
    expect(await get('/v1/whoami', keys.globex)).toMatchObject({ status: 200, body: { tenant: 'globex' } });
    expect((await get('/v1/whoami')).status).toBe(401);
    expect(await get('/v1/whoami', 'not-a-key-of-anyone')).toMatchObject({
      status: 401,
      body: { error: { code: 'InvalidApiKey' } },
    });
  });
});

describe('GET /v1/cost', () => {
  it("adds up the tenant's own jobs of the period, as the CLI does", async () => {
    const { status, body } = await get('/v1/cost', keys.acme);
    expect(status).toBe(200);
    const cost = body as { tenant: string; jobs: Array<{ jobId: string; costUsd: number }>; costUsd: number };
    expect(cost.tenant).toBe('acme');
    const job = cost.jobs.find((entry) => entry.jobId === jobId);
    expect(job?.costUsd).toBeGreaterThan(0);
    const summary = await stack.jobs.result({ tenant: 'acme', jobId });
    expect(job?.costUsd).toBe(summary.costUsd);
    expect(cost.costUsd).toBeGreaterThanOrEqual(summary.costUsd);
  });

  it("shows another tenant none of acme's jobs", async () => {
    const { body } = await get('/v1/cost', keys.globex);
    expect(body).toMatchObject({ tenant: 'globex', jobs: [], running: [], unpriced: [], costUsd: 0 });
  });

  it('takes a period, and refuses a reversed, over-long or malformed one (400) and no key (401)', async () => {
    const since = new Date(Date.now() - 3600_000).toISOString();
    const recent = await get(`/v1/cost?since=${encodeURIComponent(since)}`, keys.acme);
    expect((recent.body as { since: string }).since).toBe(since);
    const before = await get('/v1/cost?until=2020-01-01T00:00:00Z&since=2019-12-01T00:00:00Z', keys.acme);
    expect(before.body).toMatchObject({ jobs: [], costUsd: 0 });

    const reversed = await get('/v1/cost?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', keys.acme);
    expect(reversed).toMatchObject({ status: 400, body: { error: { code: 'InvalidPeriod' } } });
    const long = await get('/v1/cost?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z', keys.acme);
    expect(long.status).toBe(400);
    expect((await get('/v1/cost?since=yesterday', keys.acme)).status).toBe(400);
    expect((await get('/v1/cost')).status).toBe(401);
  });
});

describe('the console under /console/', () => {
  it('redirects / and /console there', async () => {
    for (const path of ['/', '/console']) {
      const { status, headers } = await get(path);
      expect(status).toBe(302);
      expect(headers.get('location')).toBe('/console/');
    }
  });

  it('serves the page with a strict content security policy, never cached, and the bundles for good', async () => {
    const page = await get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');

    const bundle = readdirSync(join(defaultConsoleDir(), 'assets')).find((name) => name.endsWith('.js'));
    expect(String(page.body)).toContain(`/console/assets/${bundle}`);
    const asset = await get(`/console/assets/${bundle}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // everything the page loads comes from this server: no CDN
    expect(String(page.body)).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('is not in the OpenAPI document, where the tenant routes are', async () => {
    const { paths } = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/whoami', '/v1/cost']));
    expect(Object.keys(paths).filter((path) => path === '/' || path.startsWith('/console'))).toEqual([]);
  });

  it('says how to build it when it is not built (503)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'aci-batch-no-console-'));
    const app = await buildApiServer({
      jobs: stack.jobs,
      apiKeys: new ApiKeys({ acme: [keys.acme] }),
      callbackSecret: randomBytes(32).toString('base64url'),
      consoleDir: empty,
    });
    try {
      const answer = await app.inject({ method: 'GET', url: '/console/' });
      expect(answer.statusCode).toBe(503);
      expect(answer.body).toContain('npm run build');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
