/**
 * The `type` of every failure the ACI activities raise, so workflows can branch on them. Pure (no imports):
 * workflow code imports this file, never errors.ts (which pulls in the Azure SDK).
 */
export const AciFailureType = {
  /** 5xx, 408, 409 conflicts/transitions, registry hiccups: retry */
  transient: 'AciTransient',
  /** no capacity in the region now (ServiceUnavailable "not available in the location"): retry, or go elsewhere */
  noCapacity: 'AciNoCapacity',
  /** ARM throttling (429): retry after `nextRetryDelay` */
  throttled: 'AciThrottled',
  /** a subscription quota (cores, container groups, the ACI create budget): retry after minutes */
  quotaExceeded: 'AciQuotaExceeded',
  /** the request or job spec is invalid: do not retry */
  invalidSpec: 'AciInvalidSpec',
  /** the image cannot be pulled (missing, or no access): do not retry */
  imageInaccessible: 'AciImageInaccessible',
  /** the group's state forbids the operation (e.g. restarting a stopped group): do not retry */
  invalidState: 'AciInvalidState',
  /** the container group or its resource group does not exist: do not retry */
  notFound: 'AciNotFound',
  /** the credential is missing or not allowed to act: do not retry */
  authFailed: 'AciAuthFailed',
  /** a same-named group belongs to another job: do not retry */
  groupConflict: 'AciGroupConflict',
  /** the container's endpoint does not answer yet (refused, timeout, 5xx): retry */
  containerNotReady: 'AciContainerNotReady',
  /** the container's endpoint rejected the call (4xx) or answered nonsense: do not retry */
  containerRejected: 'AciContainerRejected',
} as const;
export type AciFailureType = (typeof AciFailureType)[keyof typeof AciFailureType];

/** The first detail of every failure the ACI activities raise: what ARM said, and how long it asked to wait. */
export interface AciFailureDetails {
  statusCode?: number;
  code?: string;
  operation: string;
  group?: { subscriptionId?: string; resourceGroup: string; name: string };
  retryAfterMs?: number;
}

export const RETRYABLE_FAILURE_TYPES: readonly AciFailureType[] = [
  AciFailureType.transient,
  AciFailureType.noCapacity,
  AciFailureType.throttled,
  AciFailureType.quotaExceeded,
  AciFailureType.containerNotReady,
];

/** The failure type of a job whose spec is invalid (its details are the problems, `{ path, message }[]`). */
export const INVALID_JOB_SPEC = 'InvalidJobSpec';
