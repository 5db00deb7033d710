/**
 * Job spec files: YAML or JSON (YAML is a superset of JSON, so one parser reads both), validated with the
 * shared schema before anything is sent, so a bad file fails fast with every problem as "field: fix".
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { settleJobId } from '../client';
import { JobSpecError, parseJobSpec, type SubmittedJobSpec } from '../shared/job-spec';
import { parseScheduleSpec, ScheduleSpecError, type ScheduleSpec } from '../shared/schedule-spec';
import { usageError } from './errors';
import type { TenantOption } from './job-ref';

const EXAMPLES_HINT = 'See examples/specs/ for complete job specs.';

export interface SpecOverrides {
  /** replaces the file's tenant when typed on the command line; from the env it only fills in a missing one */
  tenant: TenantOption;
  /** replaces the file's job id (submit the same file again as a new job) */
  jobId?: string;
}

/**
 * Reads and parses a spec file, the CLI's edge: the tenant and job id are settled here (a new job id when the
 * file and the command line name none). Throws a usage error (exit code 2) naming the file and each problem.
 */
export function readSpecFile(path: string, overrides: SpecOverrides): SubmittedJobSpec {
  const input = { ...parseSpecText(path, readText(path)) };
  if (overrides.tenant.value !== undefined && (overrides.tenant.explicit || input.tenant === undefined)) {
    input.tenant = overrides.tenant.value;
  }
  if (overrides.jobId !== undefined) input.jobId = overrides.jobId;
  try {
    return settleJobId(parseJobSpec(input));
  } catch (error) {
    if (!(error instanceof JobSpecError)) throw error;
    const problems = error.problems.map((problem) => `  ${problem.path}: ${problem.message}`);
    throw usageError(
      `${path} is not a valid job spec:\n${problems.join('\n')}`,
      `Fix the fields above. ${EXAMPLES_HINT}`,
    );
  }
}

const SCHEDULE_HINT = 'See examples/specs/nightly-schedule.yaml for a complete schedule.';

/**
 * Reads and parses a schedule file (name, cron or every, ..., and its job): the tenant and name from the
 * command line replace the file's (from the env, the tenant only fills in a missing one). With `patch`, the
 * file holds only the fields to change: it is read, not parsed (the schedule it changes is not known here).
 */
export function readScheduleFile(
  path: string,
  overrides: { tenant: TenantOption; name?: string },
): ScheduleSpec {
  const input = readScheduleFields(path, overrides);
  try {
    return parseScheduleSpec(input);
  } catch (error) {
    if (!(error instanceof ScheduleSpecError)) throw error;
    throw scheduleUsageError(path, error);
  }
}

/** The fields of a schedule file, the tenant and name overridden from the command line. */
export function readScheduleFields(
  path: string,
  overrides: { tenant: TenantOption; name?: string },
): Record<string, unknown> {
  const input = { ...parseSpecText(path, readText(path), 'schedule', SCHEDULE_HINT) };
  if (overrides.tenant.value !== undefined && (overrides.tenant.explicit || input.tenant === undefined)) {
    input.tenant = overrides.tenant.value;
  }
  if (overrides.name !== undefined) input.name = overrides.name;
  return input;
}

/** A schedule's problems as the CLI reports them (exit code 2). */
export function scheduleUsageError(path: string, error: ScheduleSpecError): Error {
  const problems = error.problems.map((problem) => `  ${problem.path}: ${problem.message}`);
  return usageError(
    `${path} is not a valid schedule:\n${problems.join('\n')}`,
    `Fix the fields above. ${SCHEDULE_HINT}`,
  );
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`Cannot read the spec file ${path}: ${(error as Error).message}`, EXAMPLES_HINT);
  }
}

function parseSpecText(
  path: string,
  text: string,
  what: 'job spec' | 'schedule' = 'job spec',
  hint = EXAMPLES_HINT,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    // the parser's message says where, with the offending line
    throw usageError(`${path} is not valid YAML or JSON: ${(error as Error).message}`, hint);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const fields = what === 'schedule' ? 'name, cron and job' : 'tenant, image and instances';
    throw usageError(`${path} must hold one ${what}: a mapping of fields such as ${fields}.`, hint);
  }
  return value as Record<string, unknown>;
}
