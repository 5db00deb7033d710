/** Options several commands share, defined once so they read and behave the same everywhere. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ExitCode } from './errors';
import type { TenantOption } from './job-ref';

export const jsonOption = () => new Option('--json', 'print one JSON document on stdout, for scripts');

export const tenantOption = (description = "the job's tenant") =>
  new Option('--tenant <tenant>', description).env('ACI_BATCH_TENANT');

export const intervalOption = () =>
  new Option('--interval <seconds>', 'seconds between progress reads').default(1).argParser(positiveNumber);

export function tenantOf(command: Command): TenantOption {
  // an empty value (ACI_BATCH_TENANT=) counts as unset, as with every other setting
  return {
    value: command.opts<{ tenant?: string }>().tenant || undefined,
    explicit: command.getOptionValueSource('tenant') === 'cli',
  };
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('must be a number above 0.');
  return value;
}

/** A parser of whole numbers from `min` up, for options such as --instance (0) or --limit (1). */
export function integerFrom(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidArgumentError(`must be a whole number of at least ${min}.`);
    }
    return value;
  };
}

/**
 * A command's action: its returned exit code (default 0) becomes the process's. Thrown errors are
 * reported by main.
 */
export function action<Args extends unknown[]>(
  run: (...args: Args) => Promise<ExitCode | void>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    process.exitCode = (await run(...args)) ?? 0;
  };
}
