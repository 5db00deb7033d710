/**
 * The ARM routes of container group profiles (Microsoft.ContainerInstance/containerGroupProfiles,
 * api-version 2024-05-01-preview and later) and standby container group pools
 * (Microsoft.StandbyPool/standbyContainerGroupPools, 2025-03-01). Any api-version is accepted, as for
 * container groups.
 *
 * Profiles are synchronous (PUT 200/201, GET, DELETE 200/204; the newer SDKs expect exactly these). Pools
 * follow their TypeSpec: PUT is long-running with Azure-AsyncOperation (200/201; the operation succeeds at
 * once, the warm groups then fill in), DELETE is 202 with Location (polled: 202 until the warm groups are
 * gone, then 204) or 204 when there was no pool. ASSUMPTION: the StandbyPool provider's operation URLs
 * (`.../providers/Microsoft.StandbyPool/locations/{region}/operationStatuses|operationResults/{id}`) follow
 * ARM's common pattern; the real ones were not observed.
 */
import type { Server } from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { operationNotFound } from './arm-errors';
import { profileBody, runtimeViewBody, standbyOperationBody, standbyPoolBody } from './arm-shapes';
import type { ContainerGroupEngine } from './engine';
import type { HttpOperation } from './faults';
import { normaliseLocation } from './model';
import type { ResourceRef } from './profiles';
import { baseUrl, type RouteParams } from './routes';
import type { StandbyOperation } from './standby';

const SUBSCRIPTION = '/subscriptions/:subscriptionId';
const ACI = 'providers/Microsoft.ContainerInstance';
const STANDBY = 'providers/Microsoft.StandbyPool';
const PROFILES = `${SUBSCRIPTION}/resourceGroups/:resourceGroup/${ACI}/containerGroupProfiles`;
const PROFILE = `${PROFILES}/:profileName`;
const POOLS = `${SUBSCRIPTION}/resourceGroups/:resourceGroup/${STANDBY}/standbyContainerGroupPools`;
const POOL = `${POOLS}/:poolName`;
/** the api-version the StandbyPool provider's operation URLs carry (ASSUMPTION: the pool's own) */
const STANDBY_OPERATION_API_VERSION = '2025-03-01';

type Route = { Params: RouteParams; Querystring: { 'api-version'?: string } };
type Request = FastifyRequest<Route, Server>;
type Reply = FastifyReply<Route, Server>;

export interface StandbyRouteContext {
  engine: ContainerGroupEngine;
}

export function registerStandbyRoutes(app: FastifyInstance<Server>, context: StandbyRouteContext): void {
  const { profiles, pools } = context.engine;
  const route = (
    method: 'GET' | 'PUT' | 'DELETE',
    url: string,
    operation: HttpOperation,
    handler: (request: Request, reply: Reply) => Promise<unknown>,
  ): void => {
    app.route<Route>({ method, url, config: { operation }, handler });
  };

  // ---- container group profiles ----

  route('GET', `${SUBSCRIPTION}/${ACI}/containerGroupProfiles`, 'listProfiles', async (request) => ({
    value: profiles
      .list(request.params.subscriptionId)
      .map((profile) => profileBody(profile, profiles.revision(profile))),
  }));

  route('GET', PROFILES, 'listProfiles', async (request) => ({
    value: profiles
      .list(request.params.subscriptionId, request.params.resourceGroup)
      .map((profile) => profileBody(profile, profiles.revision(profile))),
  }));

  route('PUT', PROFILE, 'createProfile', async (request, reply) => {
    const { created, profile } = profiles.put(profileRef(request), request.body);
    request.armRegion = normaliseLocation(profile.location);
    return reply.code(created ? 201 : 200).send(profileBody(profile, profiles.revision(profile)));
  });

  route('GET', PROFILE, 'getProfile', async (request) => {
    const profile = profiles.get(profileRef(request));
    return profileBody(profile, profiles.revision(profile));
  });

  route('GET', `${PROFILE}/revisions`, 'getProfile', async (request) => {
    const profile = profiles.get(profileRef(request));
    return { value: profile.revisions.map((revision) => profileBody(profile, revision)) };
  });

  route('GET', `${PROFILE}/revisions/:revision`, 'getProfile', async (request) => {
    const profile = profiles.get(profileRef(request));
    return profileBody(profile, profiles.revision(profile, Number(request.params.revision)));
  });

  route('DELETE', PROFILE, 'deleteProfile', async (request, reply) => {
    const deleted = profiles.delete(profileRef(request));
    return reply.code(deleted ? 200 : 204).send();
  });

  // ---- standby container group pools ----

  route(
    'GET',
    `${SUBSCRIPTION}/${STANDBY}/standbyContainerGroupPools`,
    'listStandbyPools',
    async (request) => ({
      value: pools.list(request.params.subscriptionId).map(standbyPoolBody),
    }),
  );

  route('GET', POOLS, 'listStandbyPools', async (request) => ({
    value: pools.list(request.params.subscriptionId, request.params.resourceGroup).map(standbyPoolBody),
  }));

  route('PUT', POOL, 'createStandbyPool', async (request, reply) => {
    const { created, pool, operation } = pools.put(poolRef(request), request.body);
    request.armRegion = pool.region;
    return reply
      .code(created ? 201 : 200)
      .headers({ 'azure-asyncoperation': operationUrl(request, operation, 'operationStatuses') })
      .send(standbyPoolBody(pool));
  });

  route('GET', POOL, 'getStandbyPool', async (request) => {
    const pool = pools.get(poolRef(request));
    request.armRegion = pool.region;
    return standbyPoolBody(pool);
  });

  route('GET', `${POOL}/runtimeViews/:runtimeView`, 'getStandbyPool', async (request) => {
    const pool = pools.get(poolRef(request));
    request.armRegion = pool.region;
    return runtimeViewBody(pool, request.params.runtimeView ?? 'latest');
  });

  route('DELETE', POOL, 'deleteStandbyPool', async (request, reply) => {
    const operation = pools.delete(poolRef(request));
    if (!operation) return reply.code(204).send();
    request.armRegion = operation.location;
    return reply
      .code(202)
      .headers({ location: operationUrl(request, operation, 'operationResults') })
      .send();
  });

  route(
    'GET',
    `${SUBSCRIPTION}/${STANDBY}/locations/:location/operationStatuses/:operationId`,
    'operationStatus',
    async (request) => {
      const operation = standbyOperation(request);
      return standbyOperationBody(operation, request.url.split('?')[0] ?? '');
    },
  );

  route(
    'GET',
    `${SUBSCRIPTION}/${STANDBY}/locations/:location/operationResults/:operationId`,
    'operationStatus',
    async (request, reply) => {
      const operation = standbyOperation(request);
      if (operation.status === 'InProgress') {
        return reply
          .code(202)
          .headers({ location: operationUrl(request, operation, 'operationResults') })
          .send();
      }
      return reply.code(204).send();
    },
  );

  function standbyOperation(request: Request): StandbyOperation {
    const { subscriptionId, operationId = '' } = request.params;
    const operation = pools.findOperation(operationId);
    if (!operation || operation.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) {
      throw operationNotFound(operationId);
    }
    request.armRegion = operation.location;
    return operation;
  }
}

function profileRef(request: Request): ResourceRef {
  const { subscriptionId, resourceGroup = '', profileName = '' } = request.params;
  return { subscriptionId, resourceGroup, name: profileName };
}

function poolRef(request: Request): ResourceRef {
  const { subscriptionId, resourceGroup = '', poolName = '' } = request.params;
  return { subscriptionId, resourceGroup, name: poolName };
}

function operationUrl(
  request: Request,
  operation: StandbyOperation,
  kind: 'operationStatuses' | 'operationResults',
): string {
  return (
    `${baseUrl(request)}/subscriptions/${operation.subscriptionId}/${STANDBY}/locations/${operation.location}` +
    `/${kind}/${operation.id}?api-version=${STANDBY_OPERATION_API_VERSION}`
  );
}
