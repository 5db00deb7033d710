import type { FastifyRequest } from 'fastify';

/** The token of an `Authorization: Bearer <token>` header, or '' when there is none. */
export function bearerToken(request: FastifyRequest): string {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
}
