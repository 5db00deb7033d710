import { describe, expect, it } from 'vitest';
import { RunTokens } from '../../src/security/run-tokens';

const tokens = new RunTokens('a-test-secret-of-at-least-32-characters!');
const claims = {
  firstRunId: '0196f0b2-0000-7000-8000-000000000001',
  expiresAtMs: Date.parse('2030-01-01T00:00:00Z'),
};
const now = Date.parse('2026-11-29T00:00:00Z');

describe('run tokens', () => {
  it('accepts the token of the run it was issued for, with the execution and expiry it names', () => {
    const token = tokens.issue('acme.nightly.0', claims);
    expect(token).toMatch(/^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify('acme.nightly.0', token, now)).toEqual({ valid: true, claims });
  });

  it('rejects a token of another run, another secret, a changed payload, or a forged one', () => {
    const token = tokens.issue('acme.nightly.0', claims);
    expect(tokens.verify('acme.nightly.1', token, now)).toEqual({ valid: false, reason: 'forged' });
    const otherSecret = new RunTokens('another-secret-of-at-least-32-characters');
    expect(otherSecret.verify('acme.nightly.0', token, now)).toEqual({ valid: false, reason: 'forged' });
    // a payload naming another execution or a later expiry, with the original signature
    const [version, , mac] = token.split('.');
    const longer = Buffer.from(JSON.stringify({ f: claims.firstRunId, e: 4102444800 })).toString('base64url');
    expect(tokens.verify('acme.nightly.0', `${version}.${longer}.${mac}`, now).valid).toBe(false);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.verify('acme.nightly.0', forged, now)).toEqual({ valid: false, reason: 'forged' });
    expect(tokens.verify('acme.nightly.0', '', now)).toEqual({ valid: false, reason: 'malformed' });
    expect(tokens.verify('acme.nightly.0', 'v1.abc', now)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('rejects a token past its expiry', () => {
    const token = tokens.issue('acme.nightly.0', claims);
    expect(tokens.verify('acme.nightly.0', token, claims.expiresAtMs + 1000)).toEqual({
      valid: false,
      reason: 'expired',
    });
  });
});
