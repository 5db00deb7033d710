/**
 * Job settings from the submitter's environment (the CLI's or the API's): the callback base URL, or the Temporal
 * address containers signal directly, and the prices.
 */
import { z } from 'zod';
import { loadTemporalConfig, parseEnv } from '../config';
import type { JobSettings } from '../shared/job-settings';
import { DEFAULT_ACI_PRICES } from '../shared/pricing';
import { hostPort, httpUrl } from '../shared/validation';

const jobSettingsEnv = z.object({
  ACI_BATCH_CALLBACK_BASE_URL: httpUrl('must be the http(s) base URL of the callback API').optional(),
  ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS: hostPort.optional(),
  ACI_BATCH_CONTAINER_TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  ACI_PRICE_VCPU_HOUR_USD: z.coerce.number().min(0).default(DEFAULT_ACI_PRICES.vcpuHourUsd),
  ACI_PRICE_MEMORY_GB_HOUR_USD: z.coerce.number().min(0).default(DEFAULT_ACI_PRICES.memoryGbHourUsd),
});

/** The variables loadJobSettings reads (besides TEMPORAL_NAMESPACE). */
export const JOB_SETTINGS_ENV_VARS: readonly string[] = Object.keys(jobSettingsEnv.shape);

/** Throws ConfigError naming each bad variable. */
export function loadJobSettings(env: NodeJS.ProcessEnv = process.env): JobSettings {
  const parsed = parseEnv(jobSettingsEnv, env);
  const address = parsed.ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS;
  const namespace = parsed.ACI_BATCH_CONTAINER_TEMPORAL_NAMESPACE ?? loadTemporalConfig(env).namespace;
  return {
    callbackBaseUrl: parsed.ACI_BATCH_CALLBACK_BASE_URL,
    temporal: address ? { address, namespace } : undefined,
    prices: {
      vcpuHourUsd: parsed.ACI_PRICE_VCPU_HOUR_USD,
      memoryGbHourUsd: parsed.ACI_PRICE_MEMORY_GB_HOUR_USD,
    },
  };
}
