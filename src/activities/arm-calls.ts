/**
 * How every activity calls ARM: the activity's cancellation goes to the SDK call, a cancelled activity rethrows
 * its cancellation, and any other error becomes a typed failure (src/azure/errors.ts).
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { Context } from '@temporalio/activity';
import { toAciFailure, type FailureContext } from '../azure/errors';

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
