/**
 * Exit codes and the errors the CLI explains itself. Every failure ends as one message that says what went
 * wrong and what to do, and one of the documented exit codes.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  JobNotFinishedError,
  JobNotFoundError,
  NothingToRerunError,
  RunNotFoundError,
  ScheduleExistsError,
  ScheduleNotFoundError,
} from '../client';
import { ConfigError } from '../config';
import { JobSpecError } from '../shared/job-spec';

export const EXIT = {
  ok: 0,
  /** the job did not complete (watch, submit --watch), or an unexpected error */
  failed: 1,
  /** bad usage or input: options, arguments, a spec file, the environment */
  usage: 2,
  notFound: 3,
  /** no Temporal server answers at the configured address */
  unreachable: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** what to do about it */
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint?: string) => new CliError(message, EXIT.usage, hint);
export const notFoundError = (message: string, hint?: string) => new CliError(message, EXIT.notFound, hint);

/** Any error as the CLI reports it; errors the commands did not anticipate keep their own message. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConfigError) return usageError(error.message, 'Fix the variables listed above.');
  if (error instanceof JobNotFoundError) {
    return notFoundError(
      `${error.message.replace(/\.$/, '')} in this namespace.`,
      `List the tenant's jobs with: aci-batch list --tenant ${error.ref.tenant}`,
    );
  }
  if (error instanceof RunNotFoundError) return notFoundError(error.message);
  if (error instanceof ScheduleNotFoundError) {
    return notFoundError(
      error.message,
      `List the tenant's schedules with: aci-batch schedule list --tenant ${error.ref.tenant}`,
    );
  }
  if (error instanceof ScheduleExistsError) {
    return new CliError(
      error.message,
      EXIT.failed,
      `Change it with: aci-batch schedule update ${error.ref.tenant}/${error.ref.name} <file>`,
    );
  }
  if (error instanceof JobNotFinishedError || error instanceof NothingToRerunError) {
    return new CliError(error.message, EXIT.failed);
  }
  // a spec the server side refused (a dependency that does not exist, say): each problem as field: fix
  if (error instanceof JobSpecError) {
    return usageError(error.message, 'Fix the fields above. See examples/specs/ for complete job specs.');
  }
  // a job or run that vanished between two reads
  if (error instanceof WorkflowNotFoundError) return notFoundError(error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message, EXIT.failed);
}
