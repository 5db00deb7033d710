/**
 * startContainerWork / getContainerProgress against a real local HTTP server, inside MockActivityEnvironment.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityEnv } from './activity-env';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContainerEndpointActivities } from '../../src/activities/container-endpoint';
import { AciFailureType } from '../../src/shared/failures';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = (res: ServerResponse) => void;

let server: Server;
let base: string;
let received: Received[] = [];
let reply: Reply = (res) => res.writeHead(204).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  reply = (res) => res.writeHead(204).end();
});

const activities = createContainerEndpointActivities({ requestTimeoutMs: 300 });

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('startContainerWork', () => {
  it('POSTs the body with the run key, and the run key as Idempotency-Key', async () => {
    await activityEnv().run(activities.startContainerWork, {
      url: `${base}/start`,
      runKey: 'acme.nightly.3/attempt-1',
      body: { shard: 3 },
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.url).toBe('/start');
    expect(received[0]?.headers['idempotency-key']).toBe('acme.nightly.3/attempt-1');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({ shard: 3, runKey: 'acme.nightly.3/attempt-1' });
  });

  it('a container not listening yet: retryable AciContainerNotReady', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const failure = await failureOf(
      activityEnv().run(activities.startContainerWork, {
        url: `http://127.0.0.1:${port}/start`,
        runKey: 'k',
      }),
    );
    expect(failure.type).toBe(AciFailureType.containerNotReady);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('a 503: retryable; a 400: not retryable', async () => {
    reply = (res) => res.writeHead(503).end('warming up');
    const busy = await failureOf(
      activityEnv().run(activities.startContainerWork, { url: `${base}/start`, runKey: 'k' }),
    );
    expect(busy.type).toBe(AciFailureType.containerNotReady);
    expect(busy.nonRetryable).toBe(false);
    expect(busy.message).toContain('HTTP 503');

    reply = (res) => res.writeHead(400).end('bad shard');
    const rejected = await failureOf(
      activityEnv().run(activities.startContainerWork, { url: `${base}/start`, runKey: 'k' }),
    );
    expect(rejected.type).toBe(AciFailureType.containerRejected);
    expect(rejected.nonRetryable).toBe(true);
  });

  it('a container that does not answer in time: retryable', async () => {
    reply = () => undefined; // never answers
    const failure = await failureOf(
      activityEnv().run(activities.startContainerWork, { url: `${base}/start`, runKey: 'k' }),
    );
    expect(failure.type).toBe(AciFailureType.containerNotReady);
    expect(failure.message).toContain('timed out');
  });

  it('refuses a URL that is not http(s) and a body that is not an object, before any call', async () => {
    const badUrl = await failureOf(
      activityEnv().run(activities.startContainerWork, {
        url: 'ftp://10.0.0.4/start',
        runKey: 'k',
      }),
    );
    expect(badUrl.type).toBe(AciFailureType.invalidSpec);
    expect(badUrl.nonRetryable).toBe(true);
    const badBody = await failureOf(
      activityEnv().run(activities.startContainerWork, {
        url: `${base}/start`,
        runKey: 'k',
        body: [1],
      }),
    );
    expect(badBody.type).toBe(AciFailureType.invalidSpec);
    expect(received).toHaveLength(0);
  });

  it('stops at once when the activity is cancelled', async () => {
    reply = () => undefined;
    const env = activityEnv();
    const running = env.run(
      createContainerEndpointActivities({ requestTimeoutMs: 10_000 }).startContainerWork,
      {
        url: `${base}/start`,
        runKey: 'k',
      },
    );
    setTimeout(() => env.cancel(), 50);
    const started = Date.now();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('getContainerProgress', () => {
  it('reads percent and message', async () => {
    reply = (res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"percent":42,"message":"shard 3","extra":1}');
    const progress = await activityEnv().run(activities.getContainerProgress, {
      url: `${base}/progress`,
    });
    expect(progress).toEqual({ percent: 42, message: 'shard 3' });
    expect(received[0]?.method).toBe('GET');
  });

  it('nonsense progress is not retryable', async () => {
    reply = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"percent":"lots"}');
    const failure = await failureOf(
      activityEnv().run(activities.getContainerProgress, { url: `${base}/progress` }),
    );
    expect(failure.type).toBe(AciFailureType.containerRejected);
    expect(failure.nonRetryable).toBe(true);
  });
});
