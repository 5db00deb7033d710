/**
 * The container helper's HTTP callback transport against a local stand-in for the API (mocked at the edge: a
 * plain HTTP server): an API that answers 503 with Retry-After while Temporal is away is retried, as long as it
 * asks, until the report is accepted; 401/404/410 are not retried. And a warm container's wait for its run's
 * settings in config map files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configMapDir, connectReporter, runEnvironment } from '../../src/container/reporter';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A callback API that answers each request with the next of `answers` (the last one repeats). */
async function fakeApi(answers: Array<{ status: number; headers?: Record<string, string> }>) {
  const requests: Array<{ at: number; path: string; body: string }> = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ at: Date.now(), path: request.url ?? '', body });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.status < 300 ? { accepted: true } : { error: { code: 'X' } }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const env = {
    ACI_BATCH_CALLBACK_URL: `http://127.0.0.1:${port}/v1/runs/acme.job.0`,
    ACI_BATCH_CALLBACK_TOKEN: 'v2.token.mac',
  };
  return { requests, env };
}

describe('the callback reporter', () => {
  it('retries a 503 after its Retry-After until the report is accepted, with the same report id', async () => {
    const api = await fakeApi([
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 202 },
    ]);
    const reporter = await connectReporter(api.env);
    await reporter.complete({ rows: 1 });
    expect(api.requests.map((request) => request.path)).toEqual(
      Array(3).fill('/v1/runs/acme.job.0/complete'),
    );
    // each retry waited at least as long as the API asked
    expect(api.requests[1]!.at - api.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(api.requests[2]!.at - api.requests[1]!.at).toBeGreaterThanOrEqual(1000);
    const reportIds = api.requests.map(
      (request) => (JSON.parse(request.body) as { reportId: string }).reportId,
    );
    expect(new Set(reportIds).size).toBe(1);
  });

  it('gives up at once on 410 (the run has finished)', async () => {
    const api = await fakeApi([{ status: 410 }]);
    const reporter = await connectReporter(api.env);
    await expect(reporter.progress(50)).rejects.toThrow(/answered 410/);
    expect(api.requests).toHaveLength(1);
  });
});

describe("a warm container's run environment", () => {
  it('is the process environment when the run is in it', async () => {
    const env = { ACI_BATCH_RUN_ID: 'acme.job.0', OTHER: 'x' };
    expect(await runEnvironment(env)).toBe(env);
  });

  it('waits for the config map files, then reads them as variables once they stop changing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'configmap-'));
    const env = { ACI_EMULATOR_CONFIGMAP_DIR: root, PROFILE_ENV: 'kept' };
    const dir = configMapDir(env);
    expect(dir).toBe(join(root, 'job'));
    let resolved: NodeJS.ProcessEnv | undefined;
    const waiting = runEnvironment(env, 20).then((value) => (resolved = value));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resolved).toBeUndefined(); // no run yet: it waits
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.ACI_BATCH_RUN_ID.tmp'), 'half-written'); // temp files are not settings
    writeFileSync(join(dir, 'ACI_BATCH_RUN_ID'), 'acme.job.3');
    writeFileSync(join(dir, 'WORK_STEPS'), '4');
    expect(await waiting).toEqual({
      ACI_EMULATOR_CONFIGMAP_DIR: root,
      PROFILE_ENV: 'kept',
      ACI_BATCH_RUN_ID: 'acme.job.3',
      WORK_STEPS: '4',
    });
  });
});
