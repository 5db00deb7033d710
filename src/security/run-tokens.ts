/**
 * Per-run callback tokens. A token names the run's execution (the first run id of its workflow, which
 * continue-as-new keeps) and an expiry past the run's whole life, and is signed with HMAC-SHA256 under the
 * service's secret over the run id too. So a token is useless for any other run, for a later job that reuses
 * the same job id, and after its run could possibly have ended; it needs no storage (the API checks the
 * signature, then the execution), and its signature is compared in constant time.
 *
 *   v2.<base64url JSON { f: first run id, e: expiry in epoch seconds }>.<base64url HMAC>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v2';

export interface RunTokenClaims {
  /** the first run id of the run's workflow: the execution the token belongs to */
  firstRunId: string;
  expiresAtMs: number;
}

export type RunTokenCheck =
  { valid: true; claims: RunTokenClaims } | { valid: false; reason: 'malformed' | 'forged' | 'expired' };

export class RunTokens {
  constructor(private readonly secret: string) {}

  issue(runId: string, claims: RunTokenClaims): string {
    const payload = Buffer.from(
      JSON.stringify({ f: claims.firstRunId, e: Math.ceil(claims.expiresAtMs / 1000) }),
    ).toString('base64url');
    return `${VERSION}.${payload}.${this.mac(runId, payload)}`;
  }

  /** Checks the signature for this run id, then the expiry; says which check failed. */
  verify(runId: string, token: string, nowMs: number = Date.now()): RunTokenCheck {
    const [version, payload, mac, ...rest] = token.split('.');
    if (version !== VERSION || !payload || !mac || rest.length > 0)
      return { valid: false, reason: 'malformed' };
    const expected = Buffer.from(this.mac(runId, payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { valid: false, reason: 'forged' };
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { f: string; e: number };
    const expiresAtMs = claims.e * 1000;
    if (expiresAtMs <= nowMs) return { valid: false, reason: 'expired' };
    return { valid: true, claims: { firstRunId: claims.f, expiresAtMs } };
  }

  private mac(runId: string, payload: string): string {
    return createHmac('sha256', this.secret).update(`${VERSION}\n${runId}\n${payload}`).digest('base64url');
  }
}
