/**
 * ARM error responses with the codes and message templates real Azure sends, one function per error below.
 * Handlers throw an ArmError; the server turns it into `{"error":{"code","message"}}` with its status.
 */
import { randomUUID } from 'node:crypto';

export interface ArmErrorBody {
  code: string;
  message: string;
}

export class ArmError extends Error {
  override name = 'ArmError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): { error: ArmErrorBody } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function resourceNotFound(
  resourceGroup: string,
  name: string,
  type = 'Microsoft.ContainerInstance/containerGroups',
): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** ARM's usual 404, for a container group profile (also when a container group PUT names a missing one). */
export function profileNotFound(resourceGroup: string, name: string): ArmError {
  return resourceNotFound(resourceGroup, name, 'Microsoft.ContainerInstance/containerGroupProfiles');
}

export function standbyPoolNotFound(resourceGroup: string, name: string): ArmError {
  return resourceNotFound(resourceGroup, name, 'Microsoft.StandbyPool/standbyContainerGroupPools');
}

/** UNCONFIRMED: code and text for a profile revision that does not exist. */
export function profileRevisionNotFound(profile: string, revision: number): ArmError {
  return new ArmError(
    404,
    'ContainerGroupProfileRevisionNotFound',
    `The revision '${revision}' of container group profile '${profile}' was not found.`,
  );
}

/**
 * A container group PUT that names a profile may carry nothing but config maps besides the references: real
 * code and text (azure-cli #30898, PR #31824).
 */
export function profileOnlyConfigMap(): ArmError {
  return new ArmError(400, 'BadRequest', 'ContainerGroup properties other than config map are not allowed');
}

/** UNCONFIRMED: code and text for a config map aimed at a container the profile does not have. */
export function profileContainerNotFound(container: string, profile: string): ArmError {
  return new ArmError(
    400,
    'ContainerNotFoundInContainerGroupProfile',
    `The container '${container}' is not defined in container group profile '${profile}'.`,
  );
}

/**
 * A standby pool had no ready group and the PUT asked to fail then (`failContainerGroupCreateOnReuseFailure`).
 * UNCONFIRMED: status 400 and the strings 'StandyPoolReservationFailed' (sic) and 'InsufficientContainerGroups'
 * are what public client code matches on for this case; the exact code/message split is a guess.
 */
export function standbyReservationFailed(poolId: string, profileId: string, revision: number): ArmError {
  return new ArmError(
    400,
    'StandyPoolReservationFailed',
    `Failed to reserve a container group from standby pool '${poolId}': InsufficientContainerGroups. The pool has no ready container group of container group profile '${profileId}' revision '${revision}'.`,
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

export function missingApiVersion(): ArmError {
  return new ArmError(
    400,
    'MissingApiVersionParameter',
    'The api-version query parameter (?api-version=) is required for all requests.',
  );
}

export function invalidRequestContent(detail: string): ArmError {
  return new ArmError(
    400,
    'InvalidRequestContent',
    `The request content was invalid and could not be deserialized: '${detail}'.`,
  );
}

export function locationRequired(): ArmError {
  return new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
}

export function invalidOsType(group: string): ArmError {
  return new ArmError(
    400,
    'InvalidOsType',
    `The 'osType' for container group '${group}' is invalid. The value must be one of 'Windows,Linux'.`,
  );
}

export function resourceRequestsNotSpecified(container: string, group: string): ArmError {
  return new ArmError(
    400,
    'ResourceRequestsNotSpecified',
    `The resource requests are not specified in container '${container}' of contain group '${group}'. Both memory and CPU requests are required since API version '2017-07-01-preview'.`,
  );
}

/** Real code and text (MS troubleshooting article "ContainerGroupTransitioning", StatusCode 409). */
export function transitioning(group: string): ArmError {
  return new ArmError(
    409,
    'ContainerGroupTransitioning',
    `The container group '${group}' is still transitioning, please retry later.`,
  );
}

/** Message from azure-cli #8136; ASSUMPTION (UNVERIFIED): status 409 and code ContainerGroupStopped. */
export function groupStopped(group: string, resourceGroup: string): ArmError {
  return new ArmError(
    409,
    'ContainerGroupStopped',
    `Container Group '${group}' in resource group '${resourceGroup}' is stopped`,
  );
}

/**
 * Template verified for 'StandardCores' and 'StandardSpotCores'; the 'ContainerGroups' quota name for the
 * group count is an ASSUMPTION (it is the name the Usages API reports).
 */
export function quotaReached(
  quota: 'StandardCores' | 'StandardSpotCores' | 'ContainerGroups',
  region: string,
  limit: number,
  usage: number,
  requested: number,
): ArmError {
  return new ArmError(
    400,
    'ContainerGroupQuotaReached',
    `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota '${quota}' exceeded in region '${region}'. Limit: '${limit}', Usage: '${usage}' Requested: '${requested}'.`,
  );
}

/**
 * ARM's resource-provider throttling error (seen for other providers with the same `resource-requests`
 * counters); ASSUMPTION that ACI's create/delete budgets surface with this code.
 */
export function throttled(
  action: string,
  limit: number,
  interval: string,
  retryAfterSeconds: number,
  headers: Record<string, string>,
): ArmError {
  return new ArmError(
    429,
    'ResourceRequestsThrottled',
    `Number of requests for action '${action}' exceeded the limit of '${limit}' for time interval '${interval}'. Please try again after '${retryAfterSeconds}' seconds.`,
    { ...headers, ...retryAfterHeader(retryAfterSeconds) },
  );
}

/** The principal named in throttling messages (the emulator does not look at tokens). */
const EMULATOR_ACTOR = '00000000-0000-0000-0000-000000000000';

/** ARM's subscription-level throttling (reads/writes/deletes per principal). */
export function subscriptionThrottled(
  kind: 'read' | 'write' | 'delete',
  subscriptionId: string,
  retryAfterSeconds?: number,
  headers: Record<string, string> = {},
): ArmError {
  const retry = retryAfterSeconds === undefined ? 'later' : `after '${retryAfterSeconds}' seconds`;
  return new ArmError(
    429,
    'SubscriptionRequestsThrottled',
    `Number of '${kind}' requests for subscription '${subscriptionId}' actor '${EMULATOR_ACTOR}' exceeded. Please try again ${retry} after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
    { ...headers, ...retryAfterHeader(retryAfterSeconds) },
  );
}

export function internalServerError(correlationId: string): ArmError {
  return new ArmError(
    500,
    'InternalServerError',
    `Encountered an internal server error. The tracking activity id is '${randomUUID()}', correlation id is '${correlationId}'.`,
  );
}

/** ASSUMPTION: text of a transient gateway 503 (not in the reference). */
export function serviceUnavailableHttp(retryAfterSeconds?: number): ArmError {
  return new ArmError(
    503,
    'ServiceUnavailable',
    'The service is temporarily unavailable. Please try again later.',
    retryAfterHeader(retryAfterSeconds),
  );
}

function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

/** ASSUMPTION: code and text for an unknown async operation id. */
export function operationNotFound(operationId: string): ArmError {
  return new ArmError(404, 'OperationNotFound', `The operation '${operationId}' could not be found.`);
}

/** ASSUMPTION: code and text for logs of a container name the group does not have. */
export function containerNotFound(container: string, group: string): ArmError {
  return new ArmError(
    404,
    'ContainerNotFound',
    `The container '${container}' could not be found in container group '${group}'.`,
  );
}

/** A feature the emulator cannot run; refused loudly rather than silently ignored. */
export function unsupportedByEmulator(feature: string): ArmError {
  return new ArmError(400, 'UnsupportedByEmulator', `The ACI emulator does not support ${feature}.`);
}

export function pathNotFound(method: string, path: string): ArmError {
  return new ArmError(404, 'NotFound', `The ACI emulator has no route for ${method} ${path}.`);
}

/** Errors that end an async operation (op status `Failed`), as `error{code,message}`. */
export function inaccessibleImage(image: string, group: string): ArmErrorBody {
  return {
    code: 'InaccessibleImage',
    message: `The image '${image}' in container group '${group}' is not accessible. Please check the image and registry credential.`,
  };
}

/**
 * No capacity in the region now, answered synchronously to the PUT (MS support article "ServiceUnavailable
 * (409)"; same text as the asynchronous variant below).
 */
export function capacityUnavailable(region: string, cpu: number, memoryInGB: number): ArmError {
  const { code, message } = serviceUnavailable(region, cpu, memoryInGB);
  return new ArmError(409, code, message);
}

/**
 * Spot (`properties.priority: "Spot"`) in a region that has none. UNCONFIRMED: code and text are plausible
 * ACI-style guesses (modelled on SpotPriorityContainerGroupNotSupportedForInboundConnectivity), not recorded.
 */
export function spotNotSupportedInRegion(group: string, region: string): ArmError {
  return new ArmError(
    400,
    'SpotPriorityContainerGroupNotSupportedInRegion',
    `The container group '${group}' with priority 'Spot' is not supported in region '${region}'. Spot container groups are available in a limited set of regions.`,
  );
}

/** Spot with a public IP address. The code is documented; the text is UNCONFIRMED. */
export function spotInboundConnectivity(group: string): ArmError {
  return new ArmError(
    400,
    'SpotPriorityContainerGroupNotSupportedForInboundConnectivity',
    `The container group '${group}' with priority 'Spot' does not support inbound connectivity: an IP address of type 'Public' is not allowed.`,
  );
}

/** Spot above 4 vCPU / 16 GB (documented limit). UNCONFIRMED: code and text. */
export function spotResourcesExceeded(
  group: string,
  cpu: number,
  memoryInGB: number,
  maxCpu: number,
  maxMemoryInGB: number,
): ArmError {
  return new ArmError(
    400,
    'SpotPriorityContainerGroupResourceRequestsExceeded',
    `The total resource requests of container group '${group}' ('${cpu}' CPU, '${memoryInGB}' GB memory) exceed the limit for priority 'Spot': '${maxCpu}' CPU and '${maxMemoryInGB}' GB memory.`,
  );
}

export function serviceUnavailable(region: string, cpu: number, memoryInGB: number): ArmErrorBody {
  return {
    code: 'ServiceUnavailable',
    message: `The requested resource is not available in the location '${region}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${cpu}' CPU '${memoryInGB}' GB memory 'Linux' OS`,
  };
}
