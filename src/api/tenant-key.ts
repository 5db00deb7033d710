/** Which tenant a request is for: its API key's (`Authorization: Bearer <key>`, or `X-Api-Key`), else 401. */
import type { FastifyRequest } from 'fastify';
import type { ApiKeys } from '../security/api-keys';
import { bearerToken } from './bearer';
import { ApiError } from './errors';

export function tenantAuth(apiKeys: ApiKeys): (request: FastifyRequest) => string {
  return (request) => {
    const key = bearerToken(request) || String(request.headers['x-api-key'] ?? '');
    const tenant = key ? apiKeys.tenantOf(key) : undefined;
    if (!tenant) {
      throw new ApiError(401, 'InvalidApiKey', 'Send your tenant API key as "Authorization: Bearer <key>".');
    }
    return tenant;
  };
}

/** The request body with the caller's tenant; a body naming another tenant is refused. */
export function withTenant(body: unknown, tenant: string, what = 'submit'): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body; // the schema explains
  const fields = body as Record<string, unknown>;
  if (fields.tenant !== undefined && fields.tenant !== tenant) {
    throw new ApiError(
      403,
      'TenantMismatch',
      `This API key belongs to tenant "${tenant}"; ${what} with tenant "${tenant}" or leave it out.`,
    );
  }
  return { ...fields, tenant };
}
