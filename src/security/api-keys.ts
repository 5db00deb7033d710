/**
 * Tenant API keys: each key belongs to one tenant, and a request sees and submits only that tenant's jobs.
 * Keys are compared through their SHA-256 digests in constant time, so timing reveals nothing about them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class ApiKeys {
  private readonly entries: Array<{ digest: Buffer; tenant: string }>;

  constructor(keysByTenant: Record<string, string[]>) {
    this.entries = Object.entries(keysByTenant).flatMap(([tenant, keys]) =>
      keys.map((key) => ({ digest: digest(key), tenant })),
    );
  }

  /** "acme=key1,acme=key2,globex=key3" (the form of ACI_BATCH_API_KEYS) */
  static parse(text: string): ApiKeys {
    const keysByTenant: Record<string, string[]> = {};
    for (const pair of text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      const separator = pair.indexOf('=');
      const tenant = pair.slice(0, separator);
      const key = pair.slice(separator + 1);
      if (separator <= 0 || key.length < 16) {
        throw new Error(
          'ACI_BATCH_API_KEYS must be "tenant=key" pairs separated by commas, each key at least 16 characters',
        );
      }
      (keysByTenant[tenant] ??= []).push(key);
    }
    return new ApiKeys(keysByTenant);
  }

  /** The tenant that owns this key, or undefined. Every entry is compared so the time does not depend on the match. */
  tenantOf(key: string): string | undefined {
    const given = digest(key);
    let tenant: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, given)) tenant = entry.tenant;
    }
    return tenant;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
