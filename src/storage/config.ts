/**
 * Where logs and outputs are kept: a Blob Storage account, by its URL with Azure AD (DefaultAzureCredential, or
 * the user-assigned managed identity of AZURE_MANAGED_IDENTITY_CLIENT_ID), or by a connection string with an
 * account key (Azurite's development account locally). Unset: the process keeps no archive (the worker), or
 * cannot read one (the API, the CLI), and says so where it matters.
 *
 *   ACI_BATCH_STORAGE_ACCOUNT_URL         https://<account>.blob.core.windows.net
 *   ACI_BATCH_STORAGE_CONNECTION_STRING   DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;BlobEndpoint=...
 *   ACI_BATCH_STORAGE_CONTAINER_PREFIX    the blob containers are <prefix>-logs and <prefix>-outputs (aci-batch)
 *   ACI_BATCH_STORAGE_RETENTION           how long logs and outputs are kept (30 days)
 */
import { z } from 'zod';
import { parseEnv } from '../config';
import type { Duration } from '../shared/duration';
import { durationBetween } from '../shared/validation';

export const DEFAULT_STORAGE_RETENTION = '30 days';
export const DEFAULT_CONTAINER_PREFIX = 'aci-batch';

/** How the account is reached. */
export type StorageTarget =
  | { kind: 'azure'; accountUrl: string; managedIdentityClientId?: string }
  | { kind: 'connectionString'; connectionString: string };

export interface StorageConfig {
  target: StorageTarget;
  /** `<prefix>-logs` and `<prefix>-outputs` */
  containerPrefix: string;
  retention: Duration;
}

const storageEnv = z
  .object({
    ACI_BATCH_STORAGE_ACCOUNT_URL: z
      .url({
        protocol: /^https$/,
        error: 'must be the https URL of the blob service, e.g. https://mybatchlogs.blob.core.windows.net',
      })
      .optional(),
    ACI_BATCH_STORAGE_CONNECTION_STRING: z
      .string()
      .refine(
        (text) =>
          /^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(text) ||
          (/(^|;)\s*AccountKey=/i.test(text) && /(^|;)\s*(BlobEndpoint|AccountName)=/i.test(text)),
        'must be a connection string with AccountName (or BlobEndpoint) and AccountKey (run grants are signed with the key), or UseDevelopmentStorage=true (Azurite on port 10000)',
      )
      .optional(),
    ACI_BATCH_STORAGE_CONTAINER_PREFIX: z
      .string()
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]{0,45}[a-z0-9]$/,
        'must be 2-47 lowercase letters, digits and single hyphens (the containers are <prefix>-logs and <prefix>-outputs)',
      )
      .default(DEFAULT_CONTAINER_PREFIX),
    ACI_BATCH_STORAGE_RETENTION: durationBetween('1h', '3650d').default(DEFAULT_STORAGE_RETENTION),
    AZURE_MANAGED_IDENTITY_CLIENT_ID: z
      .guid('must be the client id (a GUID) of a user-assigned identity')
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.ACI_BATCH_STORAGE_ACCOUNT_URL && env.ACI_BATCH_STORAGE_CONNECTION_STRING) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACI_BATCH_STORAGE_CONNECTION_STRING'],
        message: 'set either ACI_BATCH_STORAGE_ACCOUNT_URL (Azure AD) or a connection string, not both',
      });
    }
  });

/** The variables loadStorageConfig reads (the deployment test checks docker-compose against them). */
export const STORAGE_ENV_VARS: readonly string[] = Object.keys(storageEnv.shape);

/** The storage settings, or undefined when no account is configured. Throws one ConfigError naming every problem. */
export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig | undefined {
  const parsed = parseEnv(storageEnv, env);
  const target: StorageTarget | undefined = parsed.ACI_BATCH_STORAGE_ACCOUNT_URL
    ? {
        kind: 'azure',
        accountUrl: parsed.ACI_BATCH_STORAGE_ACCOUNT_URL.replace(/\/+$/, ''),
        managedIdentityClientId: parsed.AZURE_MANAGED_IDENTITY_CLIENT_ID,
      }
    : parsed.ACI_BATCH_STORAGE_CONNECTION_STRING
      ? { kind: 'connectionString', connectionString: parsed.ACI_BATCH_STORAGE_CONNECTION_STRING }
      : undefined;
  if (!target) return undefined;
  return {
    target,
    containerPrefix: parsed.ACI_BATCH_STORAGE_CONTAINER_PREFIX,
    retention: parsed.ACI_BATCH_STORAGE_RETENTION,
  };
}
