/**
 * The errors of the job client, in the Azure SDK's manner: a class per condition a caller branches on, with a
 * `code`, and messages that say what is missing. The API maps them to status codes, the CLI to exit codes.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { formatJobRef, formatScheduleRef, type JobRef, type ScheduleRef } from './job-ref';

/**
 * The Temporal server is unreachable, shutting down or restarting (gRPC UNAVAILABLE, raw or wrapped by the
 * SDK): worth retrying, unlike a bug.
 */
export function isTemporalUnavailable(error: unknown): boolean {
  const unavailable = (e: unknown) => isGrpcServiceError(e) && e.code === GrpcStatus.UNAVAILABLE;
  return unavailable(error) || (error instanceof Error && unavailable(error.cause));
}

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
  readonly code = 'JobNotFound';
  constructor(readonly ref: JobRef) {
    super(`No job ${formatJobRef(ref)}.`);
  }
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
  readonly code = 'RunNotFound';
  constructor(
    readonly ref: JobRef,
    readonly instanceIndex: number,
  ) {
    super(`No instance ${instanceIndex} of job ${formatJobRef(ref)} has started.`);
  }
}

/** Cancelling a job that has already ended. */
export class JobFinishedError extends Error {
  override name = 'JobFinishedError';
  readonly code = 'JobFinished';
  constructor(
    readonly ref: JobRef,
    readonly state: string,
  ) {
    super(`Job ${formatJobRef(ref)} has already ended (${state}).`);
  }
}

/** Rerunning a job that has not ended, or ended without a summary to tell which instances failed. */
export class JobNotFinishedError extends Error {
  override name = 'JobNotFinishedError';
  readonly code = 'JobNotFinished';
  constructor(
    readonly ref: JobRef,
    readonly state: string,
    reason = 'wait until it ends',
  ) {
    super(`Job ${formatJobRef(ref)} is ${state}: ${reason}.`);
  }
}

/** Rerunning a job whose instances all succeeded (or whose failures were ignored by its rules). */
export class NothingToRerunError extends Error {
  override name = 'NothingToRerunError';
  readonly code = 'NothingToRerun';
  constructor(readonly ref: JobRef) {
    super(`Job ${formatJobRef(ref)} has no failed, timed-out or cancelled instance to run again.`);
  }
}

export class ScheduleNotFoundError extends Error {
  override name = 'ScheduleNotFoundError';
  readonly code = 'ScheduleNotFound';
  constructor(readonly ref: ScheduleRef) {
    super(`No schedule ${formatScheduleRef(ref)}.`);
  }
}

/** Creating a schedule under a name the tenant already uses. */
export class ScheduleExistsError extends Error {
  override name = 'ScheduleExistsError';
  readonly code = 'ScheduleExists';
  constructor(readonly ref: ScheduleRef) {
    super(`Schedule ${formatScheduleRef(ref)} exists already; update it, or delete it first.`);
  }
}
