/**
 * A SERVER span per HTTP API request, continuing the caller's trace (W3C traceparent), active while the route
 * handler runs so that the Temporal client calls it makes (start a job, signal a run) become its children.
 * Uses the global tracer: without a registered provider (tracing off) the spans are no-ops.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export function traceHttpRequests(app: FastifyInstance): void {
  const tracer = trace.getTracer('aci-batch-api');
  const spans = new WeakMap<FastifyRequest, { span: Span; parent: ReturnType<typeof context.active> }>();

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? 'unmatched route';
    // the route pattern, not the URL: ids stay out of span names, and query strings out of the trace
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': route },
      },
      parent,
    );
    spans.set(request, { span, parent });
    done();
  });

  // activated here, not in onRequest: body parsing runs on the socket's own async context and would lose it
  app.addHook('preHandler', (request, _reply, done) => {
    const traced = spans.get(request);
    if (!traced) return done();
    context.with(trace.setSpan(traced.parent, traced.span), done);
  });

  app.addHook('onError', (request, _reply, error, done) => {
    spans.get(request)?.span.recordException({ name: error.name, message: error.message });
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const traced = spans.get(request);
    if (traced) {
      traced.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) traced.span.setStatus({ code: SpanStatusCode.ERROR });
      traced.span.end();
      spans.delete(request);
    }
    done();
  });
}
