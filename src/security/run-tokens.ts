/**
 * Per-run callback tokens: HMAC-SHA256 of the run id under the service's secret. A token is useless for any
 * other run, needs no storage (the API recomputes it), and is compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

export function issueRunToken(secret: string, runId: string): string {
  const mac = createHmac('sha256', secret).update(`${VERSION}:${runId}`).digest('base64url');
  return `${VERSION}.${mac}`;
}

export function verifyRunToken(secret: string, runId: string, token: string): boolean {
  const expected = Buffer.from(issueRunToken(secret, runId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
