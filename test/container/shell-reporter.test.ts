/**
 * The shell reporter (src/container/sh/aci-batch-report, POSIX sh and curl) against a local stand-in for the
 * callback API (mocked at the edge: a plain HTTP server answering as scripted): request shape, retries with the
 * same report id, exit codes, and JSON built safely from any message.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringMatching } from '../helpers/matchers';

const REPORTER = join(__dirname, '..', '..', 'src', 'container', 'sh', 'aci-batch-report');
const RUN_PATH = '/v1/runs/acme.nightly.0';
const TOKEN = 'v2.payload.mac';
/** a fresh UUID per report */
const REPORT_ID = stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

interface Recorded {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A callback API that answers each request with the next of `answers` (the last one repeats). */
async function fakeApi(...answers: Answer[]): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      requests.push({
        at: Date.now(),
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        // a body that is not JSON fails the test here
        body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(
        JSON.stringify(answer.body ?? (answer.status < 300 ? { accepted: true } : errorOf(answer))),
      );
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${RUN_PATH}`, requests };
}

const errorOf = (answer: Answer) => ({ error: { code: `Status${answer.status}`, message: 'as scripted' } });

/** Runs the reporter with `sh` (dash here), as an image would; resolves with its exit code and output. */
function report(
  url: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      [REPORTER, ...args],
      {
        env: { PATH: process.env.PATH, ACI_BATCH_CALLBACK_URL: url, ACI_BATCH_CALLBACK_TOKEN: TOKEN, ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const ACCEPTED: Answer = { status: 202 };

describe('the shell reporter', () => {
  it('posts progress as JSON with the bearer token and a fresh report id', async () => {
    const api = await fakeApi(ACCEPTED);
    const done = await report(api.url, ['progress', '40', 'step 2/5']);
    expect(done).toMatchObject({ code: 0, stdout: '' });
    const [request] = api.requests;
    expect(request).toMatchObject({ method: 'POST', path: `${RUN_PATH}/progress` });
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({ percent: 40, message: 'step 2/5', reportId: REPORT_ID });
  });

  it('retries a 429 after its Retry-After, with the same report id, until it is accepted', async () => {
    const api = await fakeApi({ status: 429, headers: { 'retry-after': '1' } }, ACCEPTED);
    const done = await report(api.url, ['complete', 'done', '{"rows":3}']);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('answered 429; retrying in 1 s');
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1]!.at - api.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    const [first, second] = api.requests.map((request) => request.body!);
    expect(second).toEqual(first);
    expect(first).toEqual({
      status: 'Completed',
      exitCode: 0,
      message: 'done',
      result: { rows: 3 },
      reportId: REPORT_ID,
    });
  });

  it('exits non-zero at once on 410, 401, 404 and 400, with the reason', async () => {
    for (const [status, exitCode] of [
      [410, 6],
      [401, 4],
      [404, 5],
      [400, 3],
    ] as const) {
      const api = await fakeApi({ status });
      const done = await report(api.url, ['fail', '3', 'input missing']);
      expect(done.code, `HTTP ${status}`).toBe(exitCode);
      expect(done.stderr).toContain(`answered ${status} (Status${status})`);
      expect(api.requests).toHaveLength(1);
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
  });

  it('escapes quotes, backslashes, tabs, carriage returns and newlines in messages', async () => {
    const api = await fakeApi(ACCEPTED);
    const message = 'he said "no"\\\n\tC:\\data\\x.csv\r\nlast line\n';
    const done = await report(api.url, ['fail', '-3', message]);
    expect(done.code).toBe(0);
    expect(api.requests[0]!.body).toEqual({
      status: 'Failed',
      exitCode: -3,
      message,
      reportId: REPORT_ID,
    });
  });

  it('prints the attempt, and names it in reports when ACI_BATCH_REPORT_ATTEMPT is set', async () => {
    const api = await fakeApi(
      { status: 200, body: { phase: 'Running', attempt: 2, groupName: 'acme-nightly-x-0' } },
      ACCEPTED,
    );
    const attempt = await report(api.url, ['attempt']);
    expect(attempt).toMatchObject({ code: 0, stdout: '2\n' });
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: RUN_PATH, body: undefined });
    await report(api.url, ['progress', '12.5'], { ACI_BATCH_REPORT_ATTEMPT: attempt.stdout.trim() });
    expect(api.requests[1]!.body).toEqual({ percent: 12.5, attempt: 2, reportId: REPORT_ID });
  });

  it('gives up with exit code 1 when the API stays unreachable', async () => {
    const api = await fakeApi(ACCEPTED);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const done = await report(api.url, ['progress', '10'], { ACI_BATCH_REPORT_TRIES: '2' });
    expect(done.code).toBe(1);
    expect(done.stderr).toContain('gave up after 2 tries');
  });

  it('refuses bad arguments and a missing environment with exit code 2, sending nothing', async () => {
    const api = await fakeApi(ACCEPTED);
    for (const args of [
      ['progress', '101'],
      ['progress', 'half'],
      ['fail', 'x', 'm'],
      ['fail', '1'],
      ['bogus'],
    ]) {
      expect((await report(api.url, args)).code, args.join(' ')).toBe(2);
    }
    const unset = await report('', ['progress', '10']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('ACI_BATCH_CALLBACK_URL is not set');
    expect(api.requests).toEqual([]);
  });
});
