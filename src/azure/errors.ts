/**
 * ARM errors, classified in one place into typed Temporal `ApplicationFailure`s. Workflows branch on the failure
 * `type` (see `AciFailureType`); the activity retry policy retries the retryable ones, and `nextRetryDelay`
 * carries the delay ARM asked for (Retry-After) or a long wait when a quota is exhausted.
 *
 * Two shapes reach us from the Azure SDK: a `RestError` for an HTTP error (statusCode, code, details.error,
 * response headers), and a plain `Error("The long-running operation has failed. <code>. <message>")` when an
 * operation's status turns `Failed` while it is polled.
 */
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { ApplicationFailure } from '@temporalio/common';
import type { ContainerGroupRef } from '../shared/container-groups';
import { AciFailureType, RETRYABLE_FAILURE_TYPES, type AciFailureDetails } from '../shared/failures';
import { retryAfterMs } from './retry-after';

/** Wait after a 429 that carries no Retry-After (the SDK does not retry those itself). */
export const DEFAULT_THROTTLE_DELAY_MS = 10_000;
/** Wait after a quota error: quotas free up when other groups are deleted or the 5-minute create budget refills. */
export const QUOTA_RETRY_DELAY_MS = 5 * 60_000;

/** Wait after ACI said a region has no capacity now, when the run has nowhere else to go. */
export const NO_CAPACITY_RETRY_DELAY_MS = 60_000;

/** ACI's create/delete budgets (per subscription and region), reported on PUT and DELETE responses. */
const ACI_BUDGET_HEADERS = [
  'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m',
  'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h',
];

const LRO_FAILURE = /^The long-running operation has failed\.?\s*(?:([A-Za-z][\w.]*?)\.\s+)?([\s\S]*)$/;
const AUTH_ERROR_NAMES = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);
const MAX_MESSAGE_LENGTH = 600;

/** What an ARM error says, whichever shape it came in. */
export interface ArmErrorInfo {
  statusCode?: number;
  code?: string;
  message: string;
  /** from Retry-After / retry-after-ms / x-ms-retry-after-ms */
  retryAfterMs?: number;
  /** ACI's create/delete budget is used up (a 429 from the resource provider, not from ARM) */
  budgetExhausted: boolean;
}

export interface FailureContext {
  /** what we were doing, e.g. "create container group" */
  operation: string;
  group?: ContainerGroupRef;
  /** values that must never appear in a failure message (secure env values, tokens) */
  secrets?: readonly string[];
}

interface Classification {
  type: AciFailureType;
  nextRetryDelayMs?: number;
}

/** Turns anything an Azure SDK call threw into a typed ApplicationFailure. */
export function toAciFailure(error: unknown, context: FailureContext): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const info = describeArmError(error);
  const { type, nextRetryDelayMs } = classify(info, error);
  const where = context.group ? ` ${context.group.resourceGroup}/${context.group.name}` : '';
  const what = [info.code, info.statusCode ? `HTTP ${info.statusCode}` : undefined]
    .filter(Boolean)
    .join(', ');
  // Redact before truncating, so that a secret cut at the edge cannot leak its first half.
  const message = truncate(
    redact(
      `${context.operation}${where} failed${what ? ` (${what})` : ''}: ${info.message}`,
      context.secrets ?? [],
    ),
  );
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: !RETRYABLE_FAILURE_TYPES.includes(type),
    nextRetryDelay: nextRetryDelayMs,
    // workflows see details, not nextRetryDelay (the SDK does not decode it): the ledger's pause reads it here
    details: [
      {
        statusCode: info.statusCode,
        code: info.code,
        operation: context.operation,
        group: context.group,
        ...(nextRetryDelayMs !== undefined && { retryAfterMs: nextRetryDelayMs }),
      } satisfies AciFailureDetails,
    ],
  });
}

export function describeArmError(error: unknown): ArmErrorInfo {
  if (isRestError(error)) return describeRestError(error);
  const message = error instanceof Error ? error.message : String(error);
  const lro = LRO_FAILURE.exec(message);
  if (lro) {
    return {
      code: lro[1],
      message: lro[2] || message,
      budgetExhausted: false,
    };
  }
  return { message, budgetExhausted: false };
}

function describeRestError(error: RestError): ArmErrorInfo {
  const body = cloudErrorBody(error.details) ?? cloudErrorBody(parseJson(error.response?.bodyAsText));
  const headers = error.response?.headers;
  return {
    statusCode: error.statusCode,
    code: body?.code ?? error.code,
    message: body?.message ?? error.message,
    retryAfterMs: headers ? retryAfterMs((name) => headers.get(name)) : undefined,
    budgetExhausted: ACI_BUDGET_HEADERS.some((name) => headers?.get(name)?.trim() === '0'),
  };
}

function classify(info: ArmErrorInfo, error: unknown): Classification {
  const { statusCode: status, code } = info;
  switch (code) {
    case 'InaccessibleImage':
      return { type: AciFailureType.imageInaccessible };
    // ResourceRequestsThrottled: the resource provider's own 429 (ACI's create/delete budget), not ARM's
    case 'ContainerGroupQuotaReached':
    case 'QuotaExceeded':
    case 'ResourceRequestsThrottled':
      return quota(info);
    case 'ResourceGroupNotFound':
    case 'ResourceNotFound':
      return { type: AciFailureType.notFound };
    case 'AuthorizationFailed':
    case 'LinkedAuthorizationFailed':
    case 'InvalidAuthenticationToken':
    case 'ExpiredAuthenticationToken':
      return { type: AciFailureType.authFailed };
    // a 409 that waiting does not cure (message "Container Group '<g>' in resource group '<rg>' is stopped")
    case 'ContainerGroupStopped':
      return { type: AciFailureType.invalidState };
    // ACI's "not available in the location ... at this moment" (409, or a failed operation); a 503 is ARM's own
    case 'ServiceUnavailable':
      return status === 503 ? transient(info) : noCapacity(info);
    case 'InsufficientCapacity':
      return noCapacity(info);
    case 'RegistryErrorResponse':
    case 'Conflict':
    case 'AnotherOperationInProgress':
      return transient(info);
  }
  if (status === 429) {
    return info.budgetExhausted
      ? quota(info)
      : { type: AciFailureType.throttled, nextRetryDelayMs: info.retryAfterMs ?? DEFAULT_THROTTLE_DELAY_MS };
  }
  if (status === 401 || status === 403) return { type: AciFailureType.authFailed };
  if (status === 404) return { type: AciFailureType.notFound };
  if (status === 408 || status === 409 || (status !== undefined && status >= 500)) return transient(info);
  if (status !== undefined && status >= 400) return { type: AciFailureType.invalidSpec };
  if (error instanceof Error && AUTH_ERROR_NAMES.has(error.name)) return { type: AciFailureType.authFailed };
  // Network errors (ECONNREFUSED, ...), a failed operation without a known code, anything unexpected: ARM says
  // a Failed state "does not mean ... stops attempting to succeed", so the activity retry policy decides.
  return transient(info);
}

function transient(info: ArmErrorInfo): Classification {
  return { type: AciFailureType.transient, nextRetryDelayMs: info.retryAfterMs };
}

function noCapacity(info: ArmErrorInfo): Classification {
  return {
    type: AciFailureType.noCapacity,
    nextRetryDelayMs: Math.max(info.retryAfterMs ?? 0, NO_CAPACITY_RETRY_DELAY_MS),
  };
}

function quota(info: ArmErrorInfo): Classification {
  return {
    type: AciFailureType.quotaExceeded,
    nextRetryDelayMs: Math.max(info.retryAfterMs ?? 0, QUOTA_RETRY_DELAY_MS),
  };
}

function cloudErrorBody(value: unknown): { code?: string; message?: string } | undefined {
  if (typeof value !== 'object' || value === null || !('error' in value)) return undefined;
  const body = value.error;
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, message } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

function parseJson(text: string | null | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces every secret value with "***" (longest first, so a secret containing another is fully hidden). */
export function redact(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .filter((secret) => secret.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((result, secret) => result.split(secret).join('***'), text);
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}
