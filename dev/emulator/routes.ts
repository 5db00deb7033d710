/**
 * The ARM routes of Microsoft.ContainerInstance/containerGroups: status codes, LRO headers and paging as
 * the real service answers them (status codes, bodies and LRO headers as recorded from ARM and as @azure/arm-containerinstance 9.1 drives them). Cross-cutting checks (api-version, faults,
 * missing resource groups) run in the server's preHandler before these handlers.
 */
import type { Server } from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts } from './accounts';
import { invalidRequestContent, operationNotFound } from './arm-errors';
import { containerGroupBody, operationStatusBody, usagesBody } from './arm-shapes';
import type { ContainerGroupEngine, GroupRef } from './engine';
import type { HttpOperation } from './faults';
import { normaliseLocation, type AsyncOperation, type GroupRecord } from './model';
import type { RateLimiter } from './rate-limits';

const PROVIDER = 'providers/Microsoft.ContainerInstance';
const SUBSCRIPTION = '/subscriptions/:subscriptionId';
const GROUPS = `${SUBSCRIPTION}/resourceGroups/:resourceGroup/${PROVIDER}/containerGroups`;
const GROUP = `${GROUPS}/:name`;
/** Real ACI operation-status URLs carry this api-version whatever the request used. */
const OPERATION_API_VERSION = '2018-06-01';

export interface RouteParams {
  subscriptionId: string;
  resourceGroup?: string;
  name?: string;
  container?: string;
  location?: string;
  operationId?: string;
  /** container group profile, standby pool, profile revision, pool runtime view */
  profileName?: string;
  poolName?: string;
  revision?: string;
  runtimeView?: string;
}

interface ArmQuery {
  'api-version'?: string;
  $skipToken?: string;
  tail?: string;
  timestamps?: string;
}

type ArmRoute = { Params: RouteParams; Querystring: ArmQuery };
type ArmRequest = FastifyRequest<ArmRoute, Server>;
type ArmReply = FastifyReply<ArmRoute, Server>;

export interface RouteContext {
  engine: ContainerGroupEngine;
  accounts: Accounts;
  rateLimiter: RateLimiter;
  pageSize: number;
  region: string;
}

export function registerRoutes(app: FastifyInstance<Server>, context: RouteContext): void {
  const { engine, accounts, rateLimiter } = context;
  /** takes a create/delete token from the account's own budgets */
  const takeBudget = (request: ArmRequest, action: 'create' | 'delete', region: string) => {
    request.armRegion = region;
    const { subscriptionId } = request.params;
    const { rateLimits } = accounts.settings(subscriptionId, region);
    const limit = rateLimiter.take(action, scope(request, region), Date.now(), rateLimits);
    if (!limit.allowed) throw limit.error;
    return limit.headers;
  };
  const route = (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    operation: HttpOperation,
    handler: (request: ArmRequest, reply: ArmReply) => Promise<unknown>,
  ): void => {
    app.route<ArmRoute>({ method, url, config: { operation }, handler });
  };

  route('GET', `${SUBSCRIPTION}/${PROVIDER}/containerGroups`, 'list', async (request) =>
    listPage(request, engine.list(request.params.subscriptionId), context.pageSize),
  );

  route('GET', GROUPS, 'list', async (request) =>
    listPage(
      request,
      engine.list(request.params.subscriptionId, request.params.resourceGroup),
      context.pageSize,
    ),
  );

  route('GET', GROUP, 'get', async (request) => {
    const group = engine.get(groupRef(request));
    request.armRegion = group.location;
    return containerGroupBody(group, 'full');
  });

  route('PUT', GROUP, 'create', async (request, reply) => {
    const existing = engine.find(groupRef(request));
    reply.headers(
      takeBudget(request, 'create', existing?.location ?? locationOf(request.body) ?? context.region),
    );
    const { created, group, operation } = engine.createOrUpdate(
      groupRef(request),
      request.body,
      request.query['api-version'],
    );
    request.createdFromStandbyPool = group.createdFromStandbyPool;
    return reply
      .code(created ? 201 : 200)
      .headers(asyncOperationHeaders(request, operation))
      .send(containerGroupBody(group, 'full'));
  });

  route('DELETE', GROUP, 'delete', async (request, reply) => {
    const ref = groupRef(request);
    const existing = engine.find(ref);
    reply.headers(takeBudget(request, 'delete', existing?.location ?? context.region));
    // ACI answers a delete synchronously with the group as it was; 204 when there was nothing to delete.
    const lastKnown = existing && containerGroupBody(existing, 'full');
    await engine.delete(ref);
    return lastKnown ? reply.code(200).send(lastKnown) : reply.code(204).send();
  });

  route('POST', `${GROUP}/start`, 'start', async (request, reply) => {
    const operation = engine.start(groupRef(request));
    if (!operation) return reply.code(204).send();
    return reply.code(202).headers(asyncOperationHeaders(request, operation)).send();
  });

  route('POST', `${GROUP}/restart`, 'restart', async (request, reply) => {
    const operation = engine.restart(groupRef(request));
    // The real service answers 204 *with* Azure-AsyncOperation; the SDK polls it.
    return reply.code(204).headers(asyncOperationHeaders(request, operation)).send();
  });

  route('POST', `${GROUP}/stop`, 'stop', async (request, reply) => {
    await engine.stop(groupRef(request));
    return reply.code(204).send();
  });

  route('GET', `${GROUP}/containers/:container/logs`, 'logs', async (request) => {
    const { tail, timestamps } = request.query;
    const tailLines = tail === undefined ? undefined : Number(tail);
    if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) {
      throw invalidRequestContent(`tail: '${tail}' is not a non-negative integer`);
    }
    const content = engine.logs(groupRef(request), request.params.container ?? '', {
      ...(tailLines !== undefined && { tail: tailLines }),
      timestamps: timestamps?.toLowerCase() === 'true',
    });
    return { content };
  });

  route(
    'GET',
    `${SUBSCRIPTION}/${PROVIDER}/locations/:location/operations/:operationId`,
    'operationStatus',
    async (request) => {
      const { subscriptionId, operationId = '' } = request.params;
      const operation = engine.findOperation(operationId);
      if (!operation || operation.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) {
        throw operationNotFound(operationId);
      }
      request.armRegion = operation.location;
      return operationStatusBody(operation);
    },
  );

  // The Usages API: the account's quotas and what counts against them now (`client.location.listUsage`).
  route('GET', `${SUBSCRIPTION}/${PROVIDER}/locations/:location/usages`, 'usages', async (request) => {
    const { subscriptionId, location = '' } = request.params;
    const region = normaliseLocation(location);
    request.armRegion = region;
    const { quotas } = accounts.settings(subscriptionId, region);
    return usagesBody(engine.usage(subscriptionId, region), quotas);
  });
}

function groupRef(request: ArmRequest): GroupRef {
  const { subscriptionId, resourceGroup = '', name = '' } = request.params;
  return { subscriptionId, resourceGroup, name };
}

/** The https base the client used to reach us, so LRO and nextLink URLs lead back here. */
export function baseUrl(request: { host: string }): string {
  return `https://${request.host}`;
}

function asyncOperationHeaders(request: ArmRequest, operation: AsyncOperation): Record<string, string> {
  const url =
    `${baseUrl(request)}/subscriptions/${operation.subscriptionId}/${PROVIDER}/locations/${operation.location}` +
    `/operations/${operation.id}?api-version=${OPERATION_API_VERSION}`;
  // x-ms-request-id = <region>:<operation id>, as in real responses
  return { 'azure-asyncoperation': url, 'x-ms-request-id': `${operation.location}:${operation.id}` };
}

/** One page of a list; `nextLink` is absolute and carries the api-version (the SDK follows it verbatim). */
function listPage(request: ArmRequest, groups: GroupRecord[], pageSize: number): Record<string, unknown> {
  const token = request.query.$skipToken;
  const after = token === undefined ? undefined : Buffer.from(token, 'base64url').toString('utf8');
  const found = after === undefined ? 0 : groups.findIndex((group) => group.key > after);
  const start = found < 0 ? groups.length : found;
  const page = groups.slice(start, start + pageSize);
  const last = page.at(-1);
  const hasMore = start + page.length < groups.length && last !== undefined;
  const value = page.map((group) => containerGroupBody(group, 'list'));
  if (!hasMore) return { value };
  const path = request.url.split('?')[0] ?? '';
  const apiVersion = encodeURIComponent(request.query['api-version'] ?? '');
  const skipToken = Buffer.from(last.key, 'utf8').toString('base64url');
  return { value, nextLink: `${baseUrl(request)}${path}?api-version=${apiVersion}&$skipToken=${skipToken}` };
}

function scope(request: ArmRequest, location: string): string {
  return `${request.params.subscriptionId.toLowerCase()}|${location}`;
}

function locationOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('location' in body)) return undefined;
  return typeof body.location === 'string' ? normaliseLocation(body.location) : undefined;
}
