/**
 * The ARM client for ACI, built from configuration: real Azure with `DefaultAzureCredential` (or one
 * user-assigned managed identity), or the local emulator over HTTPS with its self-signed CA and a static token
 * (the emulator does not check tokens; the SDK refuses bearer tokens over plain http, so HTTPS it is).
 */
import { readFileSync } from 'node:fs';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelineRetryOptions } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../config';
import { resourceGroupName, wholeNumber } from '../shared/validation';
import { DEFAULT_MAX_SDK_RETRY_AFTER_MS, retryAfterCapPolicy } from './retry-after';

/** Explicit options for `createAciClient` (tests build clients with these). */
export interface AciClientOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** ARM base URL; default https://management.azure.com */
  endpoint?: string;
  /** PEM of a CA to trust in addition to the system's (the emulator's self-signed CA) */
  caPem?: string;
  retryOptions?: PipelineRetryOptions;
  /** longer Retry-After delays are left to the activity retry policy instead of the SDK; default 30 s */
  maxSdkRetryAfterMs?: number;
}

export function createAciClient(options: AciClientOptions): ContainerInstanceManagementClient {
  return new ContainerInstanceManagementClient(options.credential, options.subscriptionId, {
    endpoint: options.endpoint,
    // the client's $host does not follow `endpoint`; calls made through its pipeline (preview-api.ts) read it
    ...(options.endpoint && { $host: options.endpoint }),
    tlsOptions: options.caPem ? { ca: options.caPem } : undefined,
    retryOptions: options.retryOptions,
    additionalPolicies: [{ policy: retryAfterCapPolicy(options.maxSdkRetryAfterMs), position: 'perRetry' }],
    userAgentOptions: { userAgentPrefix: 'aci-batch' },
  });
}

/** A credential for the emulator, which accepts any bearer token. */
export const emulatorCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: 'aci-batch-emulator',
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

/** Real Azure (a user-assigned managed identity by client id, else DefaultAzureCredential), or the emulator. */
export type AzureTarget =
  { kind: 'azure'; managedIdentityClientId?: string } | { kind: 'emulator'; endpoint: string; caPem: string };

export interface AzureConfig {
  subscriptionId: string;
  /** where container groups go when the job spec names no resource group */
  defaultResourceGroup?: string;
  target: AzureTarget;
  retryOptions: Required<PipelineRetryOptions>;
  maxSdkRetryAfterMs: number;
  /** how often long-running ARM operations are polled */
  pollIntervalMs: number;
}

/** Any subscription id works against the emulator; this one says so. */
export const EMULATOR_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';

const ms = (max: number) => wholeNumber(0, max);

const azureEnvSchema = z
  .object({
    AZURE_SUBSCRIPTION_ID: z.guid('must be a subscription id (a GUID)').optional(),
    ACI_RESOURCE_GROUP: resourceGroupName.optional(),
    AZURE_MANAGED_IDENTITY_CLIENT_ID: z
      .guid('must be the client id (a GUID) of a user-assigned identity')
      .optional(),
    ACI_EMULATOR_ENDPOINT: z
      .url({
        protocol: /^https$/,
        error:
          'must be the emulator https URL, e.g. https://127.0.0.1:8443 (the SDK sends tokens only over https)',
      })
      .optional(),
    ACI_EMULATOR_CA_FILE: z.string().optional(),
    ACI_EMULATOR_CA_PEM: z
      .string()
      .includes('-----BEGIN CERTIFICATE-----', 'must be a PEM certificate')
      .optional(),
    ACI_ARM_MAX_RETRIES: wholeNumber(0, 10).default(3),
    ACI_ARM_RETRY_DELAY_MS: ms(60_000).default(1000),
    ACI_ARM_MAX_RETRY_DELAY_MS: ms(600_000).default(64_000),
    ACI_ARM_MAX_RETRY_AFTER_MS: ms(600_000).default(DEFAULT_MAX_SDK_RETRY_AFTER_MS),
    ACI_POLL_INTERVAL_MS: wholeNumber(10, 60_000).default(2000),
  })
  .superRefine((env, ctx) => {
    const emulator = env.ACI_EMULATOR_ENDPOINT !== undefined;
    if (!emulator && !env.AZURE_SUBSCRIPTION_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['AZURE_SUBSCRIPTION_ID'],
        message: 'is required for Azure (or set ACI_EMULATOR_ENDPOINT to use the local emulator)',
      });
    }
    if (emulator && !env.ACI_EMULATOR_CA_FILE && !env.ACI_EMULATOR_CA_PEM) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACI_EMULATOR_CA_FILE'],
        message:
          "ACI_EMULATOR_ENDPOINT is set: set ACI_EMULATOR_CA_FILE (or ACI_EMULATOR_CA_PEM) to the emulator's CA",
      });
    }
    if (emulator && env.AZURE_MANAGED_IDENTITY_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['AZURE_MANAGED_IDENTITY_CLIENT_ID'],
        message: 'does not apply to the emulator; unset it or unset ACI_EMULATOR_ENDPOINT',
      });
    }
  });

/** The variables loadAzureConfig reads (the deployment test checks docker-compose against them). */
export const AZURE_ENV_VARS: readonly string[] = Object.keys(azureEnvSchema.shape);

/** Reads the ARM settings from the environment; one ConfigError lists every problem. */
export function loadAzureConfig(env: NodeJS.ProcessEnv = process.env): AzureConfig {
  const parsed = parseEnv(azureEnvSchema, env);
  const target: AzureTarget = parsed.ACI_EMULATOR_ENDPOINT
    ? {
        kind: 'emulator',
        endpoint: parsed.ACI_EMULATOR_ENDPOINT.replace(/\/+$/, ''),
        caPem: parsed.ACI_EMULATOR_CA_PEM ?? readCaFile(parsed.ACI_EMULATOR_CA_FILE ?? ''),
      }
    : { kind: 'azure', managedIdentityClientId: parsed.AZURE_MANAGED_IDENTITY_CLIENT_ID };
  return {
    subscriptionId: parsed.AZURE_SUBSCRIPTION_ID ?? EMULATOR_SUBSCRIPTION_ID,
    defaultResourceGroup: parsed.ACI_RESOURCE_GROUP,
    target,
    retryOptions: {
      maxRetries: parsed.ACI_ARM_MAX_RETRIES,
      retryDelayInMs: parsed.ACI_ARM_RETRY_DELAY_MS,
      maxRetryDelayInMs: parsed.ACI_ARM_MAX_RETRY_DELAY_MS,
    },
    maxSdkRetryAfterMs: parsed.ACI_ARM_MAX_RETRY_AFTER_MS,
    pollIntervalMs: parsed.ACI_POLL_INTERVAL_MS,
  };
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  ACI_EMULATOR_CA_FILE: cannot read ${path} (${(error as Error).message})`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`Invalid configuration:\n  ACI_EMULATOR_CA_FILE: ${path} is not a PEM certificate`);
  }
  return pem;
}

/** The credential for a target: the emulator's static token, one managed identity, or the default chain. */
export function createCredential(target: AzureTarget): TokenCredential {
  if (target.kind === 'emulator') return emulatorCredential;
  if (target.managedIdentityClientId)
    return new ManagedIdentityCredential({ clientId: target.managedIdentityClientId });
  return new DefaultAzureCredential();
}

export function createAciClientFromConfig(
  config: AzureConfig,
  credential: TokenCredential = createCredential(config.target),
): ContainerInstanceManagementClient {
  return createAciClient({
    subscriptionId: config.subscriptionId,
    credential,
    endpoint: config.target.kind === 'emulator' ? config.target.endpoint : undefined,
    caPem: config.target.kind === 'emulator' ? config.target.caPem : undefined,
    retryOptions: config.retryOptions,
    maxSdkRetryAfterMs: config.maxSdkRetryAfterMs,
  });
}

/**
 * The worker's clients: its own subscription's, and one per other subscription its pools name (made on first
 * use, sharing one credential so that tokens are cached once).
 */
export function createAciClientsFromConfig(config: AzureConfig): {
  aci: ContainerInstanceManagementClient;
  aciFor: (subscriptionId: string) => ContainerInstanceManagementClient;
} {
  const credential = createCredential(config.target);
  const clients = new Map<string, ContainerInstanceManagementClient>();
  const aciFor = (subscriptionId: string) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = createAciClientFromConfig({ ...config, subscriptionId }, credential);
      clients.set(subscriptionId, client);
    }
    return client;
  };
  return { aci: aciFor(config.subscriptionId), aciFor };
}
