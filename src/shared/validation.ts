/**
 * Validation primitives shared by the job spec, the settings loaders, the API's route schemas (generated from
 * these with z.toJSONSchema) and the janitor: one definition, and one message that says how to fix it, for
 * each kind of value. Pure: the job spec that uses them is validated inside the workflow sandbox.
 */
import { z } from 'zod';
import { durationMs, type Duration } from './duration';

/** Prefix of the environment variables the project hands to containers; user env may not use it. */
export const RESERVED_ENV_PREFIX = 'ACI_BATCH_';

/** A DNS label: what tenants and job ids are, so they fit container group names and workflow ids. */
export const dnsLabel = (what: string, max: number) =>
  z
    .string({ error: `${what} is required: a string of lowercase letters, digits and single hyphens` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(
      /^[a-z0-9]+(-[a-z0-9]+)*$/,
      `${what} may contain only lowercase letters, digits and single hyphens, and must start and end with a letter or digit (e.g. "acme" or "nightly-2026-11-24")`,
    );

export const tenantSchema = dnsLabel('tenant', 24);
export const jobIdSchema = dnsLabel('jobId', 40);

/**
 * A duration such as "30s", "15m", "2h" or "3 days" (or milliseconds), between `min` and `max`. `what` names
 * the value in messages where no path does (a spec field); settings are named by their variable already.
 */
export const durationBetween = (min: string, max: string, what?: string) => {
  const subject = what ? `${what} ` : '';
  return (
    z
      .union([z.string(), z.number()], {
        error: `${subject}must be a duration such as "30s", "15m", "2h" or "3 days"`,
      })
      .superRefine((value, ctx) => {
        let ms: number;
        try {
          ms = durationMs(value);
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: `${subject}"${value}" is not a duration; use e.g. "30s", "15m", "2h" or "3 days"`,
          });
          return;
        }
        if (!Number.isFinite(ms) || ms < durationMs(min) || ms > durationMs(max)) {
          ctx.addIssue({
            code: 'custom',
            message: `${subject}must be a duration between ${min} and ${max} (got "${value}")`,
          });
        }
      })
      // checked above: a duration Temporal's APIs accept as they are
      .transform((value) => value as Duration)
  );
};

/** An environment variable name as ACI accepts it. */
export const envVarName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    'environment variable names are 1-63 letters, digits or "_", not starting with a digit',
  );

/** A variable a user may set: not one of the project's own ACI_BATCH_* contract variables. */
export const userEnvVarName = envVarName.refine(
  (name) => !name.startsWith(RESERVED_ENV_PREFIX),
  `environment variable names starting with ${RESERVED_ENV_PREFIX} are set by aci-batch itself; rename the variable`,
);

/** An Azure resource group name. */
export const resourceGroupName = z
  .string()
  .regex(/^[-\w._()]{1,90}$/, 'must be 1-90 letters, digits, "-", "_", ".", "(" or ")"');

/** host:port of a server (Temporal's frontend, say). */
export const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233 (use 127.0.0.1, not localhost)');

/** A shared secret (run tokens, page tokens): long enough that guessing is hopeless. */
export const secret = (whenMissing = 'is required') =>
  z.string({ error: whenMissing }).min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)');

/** A whole number in a setting (an environment variable's text), from `min` to `max`. */
export const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** An http(s) base URL. */
export const httpUrl = (error: string) => z.url({ protocol: /^https?$/, error });
