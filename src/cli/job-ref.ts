/**
 * How the CLI names a job: `<tenant>/<jobId>`, or `<jobId>` with `--tenant` (default: $ACI_BATCH_TENANT).
 */
import type { z } from 'zod';
import type { JobRef, ScheduleRef } from '../client';
import { jobIdSchema, tenantSchema } from '../shared/job-spec';
import { scheduleNameSchema } from '../shared/schedule-spec';
import { usageError } from './errors';

export { formatJobRef, formatScheduleRef, type JobRef, type ScheduleRef } from '../client';

/** The `--tenant` option's value, and whether it was typed on the command line (not taken from the env). */
export interface TenantOption {
  value?: string;
  explicit: boolean;
}

export const JOB_REF_HELP = 'the job, as <tenant>/<jobId> (or <jobId> with --tenant)';

export const SCHEDULE_REF_HELP = 'the schedule, as <tenant>/<name> (or <name> with --tenant)';

export function parseJobRef(text: string, tenantOption: TenantOption): JobRef {
  const { tenant, id } = splitRef(text, tenantOption, 'job', 'jobId');
  return { tenant, jobId: valid(jobIdSchema, id) };
}

export function parseScheduleRef(text: string, tenantOption: TenantOption): ScheduleRef {
  const { tenant, id } = splitRef(text, tenantOption, 'schedule', 'name');
  return { tenant, name: valid(scheduleNameSchema, id) };
}

/** `<tenant>/<id>`, or `<id>` with --tenant (default: $ACI_BATCH_TENANT). */
function splitRef(
  text: string,
  tenantOption: TenantOption,
  what: string,
  idName: string,
): { tenant: string; id: string } {
  const slash = text.indexOf('/');
  const id = slash < 0 ? text : text.slice(slash + 1);
  const named = slash < 0 ? undefined : text.slice(0, slash);
  if (named !== undefined && tenantOption.explicit && tenantOption.value !== named) {
    throw usageError(
      `The ${what} "${text}" belongs to tenant "${named}" but --tenant says "${tenantOption.value}".`,
      `Name the tenant once: either <tenant>/<${idName}> or --tenant.`,
    );
  }
  const tenant = named ?? tenantOption.value;
  if (tenant === undefined) {
    throw usageError(
      `Which tenant does ${what} "${id}" belong to?`,
      `Write it as <tenant>/${id}, pass --tenant, or set ACI_BATCH_TENANT.`,
    );
  }
  return { tenant: valid(tenantSchema, tenant), id };
}

/** The tenant for commands that take no job (list, cost). */
export function requireTenant(tenantOption: TenantOption): string {
  if (tenantOption.value === undefined) {
    throw usageError('Which tenant?', 'Pass --tenant <tenant> or set ACI_BATCH_TENANT.');
  }
  return valid(tenantSchema, tenantOption.value);
}

function valid(schema: z.ZodType<string>, value: string): string {
  const result = schema.safeParse(value);
  if (!result.success) throw usageError(result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}
