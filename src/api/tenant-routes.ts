/**
 * What a tenant asks about itself: which tenant its key belongs to (`GET /v1/whoami`, the console's sign-in
 * check) and what its jobs cost over a period (`GET /v1/cost`, as `aci-batch cost --tenant` adds it up). Both
 * are authenticated by the tenant's API key and see only that tenant's jobs.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { JobClient } from '../client';
import type { ApiKeys } from '../security/api-keys';
import { ApiError } from './errors';
import { jsonSchema } from './jobs-routes';
import { tenantAuth } from './tenant-key';

export interface TenantRoutesOptions {
  jobs: JobClient;
  apiKeys: ApiKeys;
}

/** A period without `since` covers this much of the past (as the CLI's `cost`). */
const DEFAULT_PERIOD_MS = 30 * 24 * 3600_000;
/** Adding up a period reads every job's summary: a year at most keeps one request bounded. */
const MAX_PERIOD_MS = 366 * 24 * 3600_000;

const costQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export async function registerTenantRoutes(
  app: FastifyInstance,
  options: TenantRoutesOptions,
): Promise<void> {
  const tenantOf = tenantAuth(options.apiKeys);
  const security = [{ apiKey: [] }];

  app.get(
    '/v1/whoami',
    { schema: { tags: ['tenant'], summary: 'The tenant this API key belongs to', security } },
    async (request) => ({ tenant: tenantOf(request) }),
  );

  app.get(
    '/v1/cost',
    {
      schema: {
        tags: ['tenant'],
        summary:
          "What the tenant's jobs started in a period cost (default: the last 30 days): per job, and the totals",
        security,
        querystring: jsonSchema(costQuery),
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const query = costQuery.parse(request.query);
      const until = query.until ? new Date(query.until) : new Date();
      const since = query.since ? new Date(query.since) : new Date(until.getTime() - DEFAULT_PERIOD_MS);
      const span = until.getTime() - since.getTime();
      if (span <= 0 || span > MAX_PERIOD_MS) {
        throw new ApiError(
          400,
          'InvalidPeriod',
          'since must be before until, and the period at most 366 days; ask for a shorter period.',
        );
      }
      const cost = await options.jobs.cost({ tenant, startedAfter: since, startedBefore: until });
      return { ...cost, since: since.toISOString(), until: until.toISOString() };
    },
  );
}
