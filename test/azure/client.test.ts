import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  EMULATOR_SUBSCRIPTION_ID,
  createAciClient,
  createCredential,
  emulatorCredential,
  loadAzureConfig,
} from '../../src/azure/client';
import { ConfigError } from '../../src/config';

const SUB = '11111111-2222-3333-4444-555555555555';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadAzureConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAzureConfig', () => {
  it('defaults to real Azure with DefaultAzureCredential and the SDK retry defaults', () => {
    expect(loadAzureConfig({ AZURE_SUBSCRIPTION_ID: SUB, ACI_RESOURCE_GROUP: 'batch-rg' })).toEqual({
      subscriptionId: SUB,
      defaultResourceGroup: 'batch-rg',
      target: { kind: 'azure', managedIdentityClientId: undefined },
      retryOptions: { maxRetries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 64_000 },
      maxSdkRetryAfterMs: 30_000,
      pollIntervalMs: 2000,
    });
  });

  it('selects a user-assigned managed identity and reads retry and poll settings', () => {
    const config = loadAzureConfig({
      AZURE_SUBSCRIPTION_ID: SUB,
      AZURE_MANAGED_IDENTITY_CLIENT_ID: '99999999-2222-3333-4444-555555555555',
      ACI_ARM_MAX_RETRIES: '1',
      ACI_ARM_RETRY_DELAY_MS: '10',
      ACI_ARM_MAX_RETRY_DELAY_MS: '100',
      ACI_POLL_INTERVAL_MS: '50',
    });
    expect(config.target).toEqual({
      kind: 'azure',
      managedIdentityClientId: '99999999-2222-3333-4444-555555555555',
    });
    expect(config.retryOptions).toEqual({ maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 100 });
    expect(config.pollIntervalMs).toBe(50);
  });

  it('points at the emulator with its CA file; the subscription id may be left out', () => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'aci-ca-')), 'ca.pem');
    writeFileSync(caFile, PEM);
    const config = loadAzureConfig({
      ACI_EMULATOR_ENDPOINT: 'https://127.0.0.1:8443/',
      ACI_EMULATOR_CA_FILE: caFile,
    });
    expect(config.subscriptionId).toBe(EMULATOR_SUBSCRIPTION_ID);
    expect(config.target).toEqual({ kind: 'emulator', endpoint: 'https://127.0.0.1:8443', caPem: PEM });
  });

  it('requires a subscription for Azure', () => {
    expect(configError({})).toContain(
      'AZURE_SUBSCRIPTION_ID: is required for Azure (or set ACI_EMULATOR_ENDPOINT to use the local emulator)',
    );
  });

  it('lists every bad variable at once, naming the fix', () => {
    const message = configError({
      AZURE_SUBSCRIPTION_ID: SUB,
      AZURE_MANAGED_IDENTITY_CLIENT_ID: 'not-a-guid',
      ACI_RESOURCE_GROUP: 'bad/rg',
      ACI_ARM_MAX_RETRIES: 'many',
    });
    expect(message).toContain('AZURE_MANAGED_IDENTITY_CLIENT_ID: must be the client id');
    expect(message).toContain('ACI_RESOURCE_GROUP: must be 1-90 letters');
    expect(message).toContain('ACI_ARM_MAX_RETRIES: must be a whole number from 0 to 10');
  });

  it('refuses an http emulator endpoint and an emulator without its CA', () => {
    expect(configError({ ACI_EMULATOR_ENDPOINT: 'http://127.0.0.1:8080' })).toContain(
      'ACI_EMULATOR_ENDPOINT: must be the emulator https URL',
    );
    expect(configError({ ACI_EMULATOR_ENDPOINT: 'https://127.0.0.1:8443' })).toContain(
      'ACI_EMULATOR_CA_FILE: ACI_EMULATOR_ENDPOINT is set: set ACI_EMULATOR_CA_FILE',
    );
    expect(
      configError({
        ACI_EMULATOR_ENDPOINT: 'https://127.0.0.1:8443',
        ACI_EMULATOR_CA_FILE: '/nonexistent/ca.pem',
      }),
    ).toContain('ACI_EMULATOR_CA_FILE: cannot read /nonexistent/ca.pem');
  });
});

describe('credentials and clients', () => {
  it('picks the credential for the target', async () => {
    expect(createCredential({ kind: 'emulator', endpoint: 'https://127.0.0.1:1', caPem: PEM })).toBe(
      emulatorCredential,
    );
    expect(createCredential({ kind: 'azure', managedIdentityClientId: SUB })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(createCredential({ kind: 'azure' })).toBeInstanceOf(DefaultAzureCredential);
    const token = await emulatorCredential.getToken('https://127.0.0.1:1/.default');
    expect(token?.token).toBe('aci-batch-emulator');
    expect(token?.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('builds a client for the subscription and endpoint', () => {
    const client = createAciClient({
      subscriptionId: SUB,
      credential: emulatorCredential,
      endpoint: 'https://127.0.0.1:8443',
      caPem: PEM,
    });
    expect(client.subscriptionId).toBe(SUB);
    expect(client.apiVersion).toBe('2023-05-01');
  });
});
