/**
 * Tracing without Temporal: the HTTP API's request spans (continuing the caller's trace, active in the handler)
 * and the two exporters, each pointed at a local HTTP server standing in for the collector / Application Insights.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { generateTls } from '../../dev/emulator/tls';
import { traceHttpRequests } from '../../src/observability/http-tracing';
import { startTracing, type Tracing } from '../../src/observability/tracing';

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('HTTP API request spans', () => {
  async function app() {
    const server = Fastify();
    traceHttpRequests(server);
    // the handler reports the span active while it runs (the Temporal client's calls become its children)
    server.post('/v1/things/:id', async (request) => ({
      active: trace.getActiveSpan()?.spanContext(),
      body: request.body,
    }));
    await server.ready();
    return server;
  }

  it('continue the caller’s trace, are named by route and active in the handler', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = await startTracing({}, 'api-test', [exporter]);
    const server = await app();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await server.inject({
      method: 'POST',
      url: '/v1/things/42?secret=x',
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'content-type': 'application/json' },
      payload: { a: 1 },
    });
    await tracing!.flush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('POST /v1/things/:id');
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanId).toBe('b7ad6b7169203331');
    expect(span?.attributes).toMatchObject({
      'http.route': '/v1/things/:id',
      'http.response.status_code': 200,
    });
    expect(response.json()).toMatchObject({ active: { spanId: span?.spanContext().spanId }, body: { a: 1 } });
    await server.close();
  });

  it('cost nothing and change nothing when tracing is off', async () => {
    const server = await app();
    const response = await server.inject({ method: 'POST', url: '/v1/things/1', payload: {} });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: {} });
    await server.close();
  });
});

describe('exporters', () => {
  let receiver: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve())));

  /** A local HTTP(S) server that keeps what is POSTed to it. */
  async function receive(
    https = false,
  ): Promise<{ url: string; bodies: Array<{ path: string; text: string }> }> {
    const bodies: Array<{ path: string; text: string }> = [];
    const listener: RequestListener = (request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text =
          request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
        bodies.push({ path: request.url ?? '', text });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    };
    const tls = https ? await generateTls() : undefined;
    receiver = tls
      ? createTlsServer({ key: tls.keyPem, cert: tls.certPem }, listener)
      : createServer(listener);
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    return { url: `${https ? 'https' : 'http'}://127.0.0.1:${port}`, bodies };
  }

  it('send spans by OTLP/HTTP to the configured URL', async () => {
    const { url, bodies } = await receive();
    tracing = await startTracing({ otlpTracesUrl: `${url}/v1/traces` }, 'otlp-test');
    trace.getTracer('test').startSpan('exported-by-otlp').end();
    await tracing!.flush();
    expect(bodies.map((body) => body.path)).toContain('/v1/traces');
    expect(bodies.some((body) => body.text.includes('exported-by-otlp'))).toBe(true);
  });

  it('send spans to Azure Monitor when a connection string is set', async () => {
    // the exporter insists on https: a local server with a throw-away certificate, trusted for this test only
    const { url, bodies } = await receive(true);
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      tracing = await startTracing(
        {
          azureMonitorConnectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${url}/`,
        },
        'azure-test',
      );
      trace.getTracer('test').startSpan('exported-to-azure').end();
      await tracing!.flush();
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }
    const track = bodies.filter((body) => body.path.includes('/track'));
    expect(track.some((body) => body.text.includes('exported-to-azure'))).toBe(true);
  });
});
