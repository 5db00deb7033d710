/**
 * How the CLI names a job: `<tenant>/<jobId>`, or `<jobId>` with `--tenant` (default: $ACI_BATCH_TENANT).
 */
import type { z } from 'zod';
import type { JobRef } from '../client';
import { jobIdSchema, tenantSchema } from '../shared/job-spec';
import { usageError } from './errors';

export { formatJobRef, type JobRef } from '../client';

/** The `--tenant` option's value, and whether it was typed on the command line (not taken from the env). */
export interface TenantOption {
  value?: string;
  explicit: boolean;
}

export const JOB_REF_HELP = 'the job, as <tenant>/<jobId> (or <jobId> with --tenant)';

export function parseJobRef(text: string, tenantOption: TenantOption): JobRef {
  const slash = text.indexOf('/');
  const jobId = slash < 0 ? text : text.slice(slash + 1);
  const named = slash < 0 ? undefined : text.slice(0, slash);
  if (named !== undefined && tenantOption.explicit && tenantOption.value !== named) {
    throw usageError(
      `The job "${text}" belongs to tenant "${named}" but --tenant says "${tenantOption.value}".`,
      'Name the tenant once: either <tenant>/<jobId> or --tenant.',
    );
  }
  const tenant = named ?? tenantOption.value;
  if (tenant === undefined) {
    throw usageError(
      `Which tenant does job "${jobId}" belong to?`,
      `Write it as <tenant>/${jobId}, pass --tenant, or set ACI_BATCH_TENANT.`,
    );
  }
  return { tenant: valid(tenantSchema, tenant), jobId: valid(jobIdSchema, jobId) };
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
