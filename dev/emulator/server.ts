/**
 * The HTTPS server: fastify with ARM's cross-cutting behaviour around the routes — case-insensitive paths,
 * required api-version, ARM read throttling, missing resource groups, injected HTTP faults, ARM error bodies,
 * the usual ARM response headers, and the request log.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:https';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import {
  ArmError,
  internalServerError,
  invalidRequestContent,
  missingApiVersion,
  pathNotFound,
  resourceGroupNotFound,
  serviceUnavailableHttp,
  subscriptionThrottled,
  transitioning,
} from './arm-errors';
import type { Accounts } from './accounts';
import type { ContainerGroupEngine } from './engine';
import type { FaultInjector, FaultKind, HttpFault, HttpOperation } from './faults';
import type { RateLimiter } from './rate-limits';
import type { ReadThrottle } from './read-throttle';
import { summariseBody, type RequestLog } from './request-log';
import { registerRoutes, type RouteParams } from './routes';
import { registerStandbyRoutes } from './standby-routes';
import { preciseNow } from './time';
import type { EmulatorTls } from './tls';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the ARM operation a route serves (fault matching, request log) */
    operation?: HttpOperation;
  }
  interface FastifyRequest {
    receivedAt: number;
    correlationId: string;
    groupName: string | undefined;
    injectedFault: FaultKind | undefined;
    /** the region the request concerns, when a route knows it (request log) */
    armRegion: string | undefined;
    /** the ARM error code answered (request log) */
    armErrorCode: string | undefined;
    /** isCreatedFromStandbyPool of the group a PUT created or updated, when the PUT named a pool (request log) */
    createdFromStandbyPool: boolean | undefined;
  }
}

export interface ServerContext {
  tls: EmulatorTls;
  engine: ContainerGroupEngine;
  accounts: Accounts;
  faults: FaultInjector;
  requests: RequestLog;
  rateLimiter: RateLimiter;
  readThrottle: ReadThrottle;
  pageSize: number;
  region: string;
  missingResourceGroups: readonly string[];
}

export function createServer(context: ServerContext): FastifyInstance<Server> {
  const { engine, faults, requests, region, readThrottle } = context;
  const missingGroups = new Set(context.missingResourceGroups.map((name) => name.toLowerCase()));
  const app = Fastify({
    https: { key: context.tls.keyPem, cert: context.tls.certPem },
    // ARM paths are case-insensitive (resourceGroups/resourcegroups, provider names...)
    routerOptions: { caseSensitive: false },
  });

  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('correlationId', '');
  app.decorateRequest('groupName', undefined);
  app.decorateRequest('injectedFault', undefined);
  app.decorateRequest('armRegion', undefined);
  app.decorateRequest('armErrorCode', undefined);
  app.decorateRequest('createdFromStandbyPool', undefined);

  // Bodies are optional JSON: the SDK sends `Content-Type: application/json` on body-less POSTs and polls.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(invalidRequestContent((error as Error).message), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.receivedAt = preciseNow();
    const correlation = request.headers['x-ms-correlation-request-id'];
    request.correlationId = typeof correlation === 'string' ? correlation : randomUUID();
  });

  app.addHook('preHandler', async (request, reply) => {
    const { operation } = request.routeOptions.config;
    if (!operation) return;
    const params = request.params as RouteParams;
    request.groupName = params.name ?? engine.findOperation(params.operationId ?? '')?.groupName;
    const query = request.query as { 'api-version'?: string };
    if (!query['api-version']) throw missingApiVersion();
    if (request.method === 'GET') {
      // ARM's read bucket, before the request reaches the resource provider
      const read = readThrottle.take(params.subscriptionId);
      if (!read.allowed) throw read.error;
      reply.headers(read.headers);
    }
    const fault = faults.takeHttp(operation, request.groupName);
    if (fault) {
      request.injectedFault = fault.kind;
      throw faultError(fault, params.subscriptionId, request.groupName, request.correlationId);
    }
    if (params.resourceGroup !== undefined && missingGroups.has(params.resourceGroup.toLowerCase())) {
      throw resourceGroupNotFound(params.resourceGroup);
    }
  });

  app.addHook('onSend', async (request, reply) => {
    reply.headers({
      'cache-control': 'no-cache',
      pragma: 'no-cache',
      expires: '-1',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-ms-correlation-request-id': request.correlationId,
    });
    if (!reply.hasHeader('x-ms-request-id')) reply.header('x-ms-request-id', `${region}:${randomUUID()}`);
    // Logged before the response leaves, so a client that got its answer always finds the entry.
    const { operation } = request.routeOptions.config;
    const { subscriptionId } = request.params as Partial<RouteParams>;
    const apiVersion = (request.query as { 'api-version'?: unknown } | undefined)?.['api-version'];
    const retryAfter = Number(reply.getHeader('retry-after'));
    requests.add({
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      time: request.receivedAt,
      durationMs: preciseNow() - request.receivedAt,
      ...(operation && { operation }),
      ...(request.groupName !== undefined && { group: request.groupName }),
      ...(request.injectedFault && { fault: request.injectedFault }),
      ...(request.armErrorCode !== undefined && { code: request.armErrorCode }),
      ...(reply.hasHeader('retry-after') && Number.isFinite(retryAfter) && { retryAfter }),
      ...(subscriptionId !== undefined && { subscriptionId }),
      ...(request.armRegion !== undefined && { region: request.armRegion }),
      ...(typeof apiVersion === 'string' && { apiVersion }),
      ...(request.method === 'PUT' && { body: summariseBody(request.body) }),
      ...(request.createdFromStandbyPool !== undefined && {
        isCreatedFromStandbyPool: request.createdFromStandbyPool,
      }),
    });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const armError = error instanceof ArmError ? error : toArmError(error, request.correlationId);
    if (!(error instanceof ArmError) && armError.statusCode >= 500) console.error('ACI emulator:', error);
    request.armErrorCode = armError.code;
    return reply.code(armError.statusCode).headers(armError.headers).send(armError.body());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = pathNotFound(request.method, request.url.split('?')[0] ?? '');
    request.armErrorCode = error.code;
    return reply.code(error.statusCode).send(error.body());
  });

  registerRoutes(app, context);
  registerStandbyRoutes(app, context);
  return app;
}

function faultError(
  fault: HttpFault,
  subscriptionId: string,
  group: string | undefined,
  correlationId: string,
) {
  switch (fault.kind) {
    case 'throttle':
      return subscriptionThrottled(throttlingKind(fault.operation), subscriptionId, fault.retryAfterSeconds);
    case 'serverError':
      return fault.status === 503
        ? serviceUnavailableHttp(fault.retryAfterSeconds)
        : internalServerError(correlationId);
    case 'transitioning':
      return transitioning(group ?? '');
  }
}

function throttlingKind(operation: HttpOperation): 'read' | 'write' | 'delete' {
  if (operation === 'delete' || operation === 'deleteProfile' || operation === 'deleteStandbyPool') {
    return 'delete';
  }
  return operation === 'create' ||
    operation === 'start' ||
    operation === 'stop' ||
    operation === 'restart' ||
    operation === 'createProfile' ||
    operation === 'createStandbyPool'
    ? 'write'
    : 'read';
}

/** Framework errors (bad JSON, oversized bodies...) in ARM's shape. */
function toArmError(error: FastifyError, correlationId: string): ArmError {
  const status = error.statusCode ?? 500;
  if (status >= 500) return internalServerError(correlationId);
  if (status === 400) return invalidRequestContent(error.message);
  return new ArmError(status, error.code, error.message);
}
