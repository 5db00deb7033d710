/**
 * The API process's settings (src/api/main.ts): defaults, and one error naming every bad or missing variable.
 */
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/api/main';
import { ConfigError } from '../../src/config';

const KEY = 'acme-key-0123456789';
const SECRET = 's'.repeat(32);
const valid = { ACI_BATCH_API_KEYS: `acme=${KEY}`, ACI_BATCH_CALLBACK_SECRET: SECRET };

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadApiConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadApiConfig', () => {
  it('needs only the API keys and the callback secret; everything else has a default', () => {
    const config = loadApiConfig(valid);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      callbackSecret: SECRET,
      observability: { logLevel: 'info', tracing: {} },
      encryption: undefined,
      temporal: { address: '127.0.0.1:7233', namespace: 'aci-batch', taskQueue: 'aci-batch' },
      jobSettings: { callbackBaseUrl: undefined, temporal: undefined },
    });
    expect(config.apiKeys.tenantOf(KEY)).toBe('acme');
    expect(config.apiKeys.tenantOf('another-key-0123456789')).toBeUndefined();
  });

  it('reads every key of every tenant, the listen address, and the job settings', () => {
    const config = loadApiConfig({
      ...valid,
      ACI_BATCH_API_KEYS: ` acme=${KEY}, acme=acme-second-key-0123 ,globex=globex-key-0123456789`,
      ACI_BATCH_API_HOST: '0.0.0.0',
      ACI_BATCH_API_PORT: '9090',
      ACI_BATCH_LOG_LEVEL: 'warn',
      ACI_BATCH_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      ACI_BATCH_CALLBACK_BASE_URL: 'https://batch.example.com/v1',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TASK_QUEUE: 'jobs',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9090, observability: { logLevel: 'warn' } });
    expect(config.encryption?.codec).toBeDefined();
    expect(config.encryption?.codecEndpoint).toBeUndefined();
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', taskQueue: 'jobs' });
    expect(config.jobSettings.callbackBaseUrl).toBe('https://batch.example.com/v1');
    expect(config.apiKeys.tenantOf('acme-second-key-0123')).toBe('acme');
    expect(config.apiKeys.tenantOf('globex-key-0123456789')).toBe('globex');
  });

  it('names both missing secrets in one error, and says how to make them', () => {
    const message = configError({});
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toMatch(/ACI_BATCH_API_KEYS: is required: tenant API keys as "tenant=key/);
    expect(message).toMatch(/ACI_BATCH_CALLBACK_SECRET: is required/);
  });

  it('treats empty values as unset, as a shell or compose file leaves them', () => {
    const message = configError({ ACI_BATCH_API_KEYS: '', ACI_BATCH_CALLBACK_SECRET: '' });
    expect(message).toMatch(/ACI_BATCH_API_KEYS: is required/);
    expect(message).toMatch(/ACI_BATCH_CALLBACK_SECRET: is required/);
  });

  it.each([
    ['no pair at all', ' , ', /must list at least one "tenant=key" pair/],
    ['a key without a tenant', KEY, /must be "tenant=key" pairs/],
    ['a short key', 'acme=short', /each key at least 16 characters/],
    ['a tenant that no job could have', `Acme Corp=${KEY}`, /tenant "Acme Corp" is not a valid tenant name/],
  ])('rejects API keys with %s', (_what, keys, expected) => {
    expect(configError({ ...valid, ACI_BATCH_API_KEYS: keys })).toMatch(
      new RegExp(`ACI_BATCH_API_KEYS: .*${expected.source}`),
    );
  });

  it('never echoes a key or the secret in its errors', () => {
    const message = configError({
      ACI_BATCH_API_KEYS: 'acme=short-key',
      ACI_BATCH_CALLBACK_SECRET: 'too-short',
    });
    expect(message).not.toContain('short-key');
    expect(message).not.toContain('too-short');
  });

  it('lists the API, Temporal, job-settings, encryption and observability problems together, each once', () => {
    const message = configError({
      ACI_BATCH_API_KEYS: `acme=${KEY}`,
      ACI_BATCH_CALLBACK_SECRET: 'too-short',
      ACI_BATCH_API_PORT: '70000',
      ACI_BATCH_LOG_LEVEL: 'loud',
      ACI_BATCH_CODEC_TOKEN: 't'.repeat(32),
      TEMPORAL_ADDRESS: 'localhost',
      ACI_BATCH_CALLBACK_BASE_URL: 'ftp://example.com',
    });
    expect(message).toMatch(/ACI_BATCH_CALLBACK_SECRET: must be at least 32 characters/);
    expect(message).toMatch(/ACI_BATCH_API_PORT: /);
    expect(message).toMatch(/ACI_BATCH_LOG_LEVEL: /);
    expect(message).toMatch(/ACI_BATCH_CODEC_TOKEN: is set, but ACI_BATCH_PAYLOAD_KEYS is not/);
    expect(message).toMatch(/ACI_BATCH_CALLBACK_BASE_URL: must be the http\(s\) base URL/);
    expect(message.match(/TEMPORAL_ADDRESS: must be host:port/g)).toHaveLength(1);
  });
});
