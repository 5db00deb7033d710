/**
 * Page tokens of `GET /v1/jobs`. Temporal's own tokens go out sealed with an HMAC bound to the tenant, so that a
 * token this API did not issue to this tenant is refused at once (400 InvalidPageToken) instead of reaching
 * Temporal's visibility store, which answers a made-up token with an internal error, and only after the client
 * has retried it for about twenty seconds.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors';

/** Keeps these MACs apart from the run tokens made with the same secret. */
const LABEL = 'aci-batch page token v1';

export class PageTokens {
  constructor(private readonly secret: string) {}

  /** The token to hand to the tenant: Temporal's token and its MAC. */
  seal(tenant: string, token: string | undefined): string | undefined {
    return token ? `${token}.${this.mac(tenant, token)}` : undefined;
  }

  /** Temporal's token inside a sealed one; throws a 400 for a token not issued to this tenant. */
  open(tenant: string, sealed: string | undefined): string | undefined {
    if (!sealed) return undefined;
    const dot = sealed.lastIndexOf('.');
    const token = sealed.slice(0, dot);
    const given = Buffer.from(sealed.slice(dot + 1));
    const expected = Buffer.from(this.mac(tenant, token));
    if (dot > 0 && given.length === expected.length && timingSafeEqual(given, expected)) return token;
    throw new ApiError(
      400,
      'InvalidPageToken',
      'pageToken is not a token this API handed out for your jobs; list again without it to start from the first page.',
    );
  }

  private mac(tenant: string, token: string): string {
    return createHmac('sha256', this.secret).update(`${LABEL}\n${tenant}\n${token}`).digest('base64url');
  }
}
