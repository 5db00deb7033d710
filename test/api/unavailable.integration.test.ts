/**
 * The API while Temporal is away (stopped, restarting, unreachable): 503 with Retry-After and a message that
 * names the cause, promptly; 500 stays for real bugs. A dev server of its own, so stopping it harms no other test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../dev/temporal-server';
import { apiConnectionOptions, buildApiServer } from '../../src/api/server';
import { JobClient } from '../../src/client';
import { DEFAULT_NAMESPACE } from '../../src/config';
import { ApiKeys } from '../../src/security/api-keys';
import { RunTokens } from '../../src/security/run-tokens';
import { freePort } from '../helpers/ports';

const apiKey = `acme-${randomBytes(16).toString('hex')}`;
const secret = randomBytes(32).toString('base64url');
let dir: string;
let server: DevServer;
let connection: Connection;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aci-batch-unavailable-'));
  const address = `127.0.0.1:${await freePort()}`;
  server = await startDevServer({
    address,
    namespace: DEFAULT_NAMESPACE,
    uiPort: await freePort(),
    dbFile: join(dir, 'dev.sqlite'),
  });
  connection = await Connection.connect(apiConnectionOptions(address));
  const client = new Client({ connection, namespace: DEFAULT_NAMESPACE });
  app = await buildApiServer({
    jobs: new JobClient(client, { taskQueue: 'unused' }),
    apiKeys: new ApiKeys({ acme: [apiKey] }),
    callbackSecret: secret,
  });
  // a request while the server is up: the connection works before the outage
  const up = await app.inject({ url: '/v1/jobs/some-job', headers: { authorization: `Bearer ${apiKey}` } });
  expect(up.statusCode).toBe(404);
  await server.stop();
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('with the Temporal server stopped', () => {
  it('answers 503 with Retry-After, naming the cause, within seconds: job routes and callbacks', async () => {
    const token = new RunTokens(secret).issue('acme.some-job.0', {
      firstRunId: '00000000-0000-4000-8000-000000000001',
      expiresAtMs: Date.now() + 60_000,
    });
    const requests = [
      { method: 'GET' as const, url: '/v1/jobs/some-job', headers: { authorization: `Bearer ${apiKey}` } },
      { method: 'GET' as const, url: '/v1/jobs', headers: { authorization: `Bearer ${apiKey}` } },
      {
        method: 'POST' as const,
        url: '/v1/runs/acme.some-job.0/complete',
        headers: { authorization: `Bearer ${token}` },
        payload: { status: 'Completed', reportId: 'r1' },
      },
    ];
    for (const request of requests) {
      const started = Date.now();
      const response = await app.inject(request);
      expect(Date.now() - started, request.url).toBeLessThan(10_000);
      expect(response.statusCode, request.url).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      const body = response.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe('TemporalUnavailable');
      expect(body.error.message).toMatch(/^Temporal does not answer right now \(.+\); retry in 5 seconds\.$/);
    }
  });
});
