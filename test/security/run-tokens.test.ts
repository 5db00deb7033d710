import { describe, expect, it } from 'vitest';
import { issueRunToken, verifyRunToken } from '../../src/security/run-tokens';

const secret = 'a-test-secret-of-at-least-32-characters!';

describe('run tokens', () => {
  it('accepts the token of the run it was issued for', () => {
    const token = issueRunToken(secret, 'acme.nightly.0');
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(verifyRunToken(secret, 'acme.nightly.0', token)).toBe(true);
  });

  it('rejects a token of another run, another secret, or a forged one', () => {
    const token = issueRunToken(secret, 'acme.nightly.0');
    expect(verifyRunToken(secret, 'acme.nightly.1', token)).toBe(false);
    expect(verifyRunToken(`${secret}x`, 'acme.nightly.0', token)).toBe(false);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyRunToken(secret, 'acme.nightly.0', forged)).toBe(false);
    expect(verifyRunToken(secret, 'acme.nightly.0', '')).toBe(false);
  });
});
