/**
 * How every activity calls ARM: the activity's cancellation goes to the SDK call, a cancelled activity rethrows
 * its cancellation, and any other error becomes a typed failure (src/azure/errors.ts).
 */
import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { isRestError } from '@azure/core-rest-pipeline';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { toAciFailure, type FailureContext } from '../azure/errors';
import { AciFailureType } from '../shared/failures';

/** The worker's ARM clients: its own subscription's, and (when pools live in others) one per subscription. */
export interface AciClients {
  aci: ContainerInstanceManagementClient;
  /** the client of another subscription; absent: the worker serves only `aci`'s subscription */
  aciFor?: (subscriptionId: string) => ContainerInstanceManagementClient;
}

/** The client of a subscription (absent: the worker's own). */
export function clientOf(clients: AciClients, subscriptionId?: string): ContainerInstanceManagementClient {
  if (!subscriptionId || subscriptionId === clients.aci.subscriptionId) return clients.aci;
  if (!clients.aciFor) {
    throw ApplicationFailure.nonRetryable(
      `subscription ${subscriptionId} is not this worker's (${clients.aci.subscriptionId}), and the worker has ` +
        "no clients for other subscriptions: give the pool the worker's subscription, or run the worker with " +
        'access to both',
      AciFailureType.authFailed,
    );
  }
  return clients.aciFor(subscriptionId);
}

/** The running activity's cancellation signal, for the SDK's `abortSignal`. */
export function signal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** Runs an SDK call; a cancelled activity rethrows its cancellation, anything else becomes a typed failure. */
export async function withFailures<T>(context: FailureContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (signal().aborted) throw signal().reason ?? error;
    throw toAciFailure(error, context);
  }
}

/** A 404 (the group or its resource group is gone) becomes undefined. */
export async function ignoreNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return undefined;
    throw error;
  }
}
