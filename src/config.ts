/**
 * Settings from the environment, validated once, with errors that name the variable and the fix.
 * Each process (worker, API, CLI, scripts) reads only the group it needs.
 */
import { z } from 'zod';
import { hostPort, wholeNumber } from './shared/validation';

export const DEFAULT_NAMESPACE = 'aci-batch';
export const DEFAULT_TASK_QUEUE = 'aci-batch';

const temporalSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default(DEFAULT_NAMESPACE),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_UI_PORT: wholeNumber(1, 65535).default(8233),
});

/** The variables loadTemporalConfig reads (the deployment test checks docker-compose against them). */
export const TEMPORAL_ENV_VARS: readonly string[] = Object.keys(temporalSchema.shape);

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  uiPort: number;
}

export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const parsed = parseEnv(temporalSchema, env);
  return {
    address: parsed.TEMPORAL_ADDRESS,
    namespace: parsed.TEMPORAL_NAMESPACE,
    taskQueue: parsed.TEMPORAL_TASK_QUEUE,
    uiPort: parsed.TEMPORAL_UI_PORT,
  };
}

/** Parses env vars against a schema; one error listing every bad variable. Empty strings count as unset. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

/**
 * Runs every loader of a process's settings and returns their results; when any fails, throws one ConfigError
 * listing every problem of every loader (each once), so that one start names every bad variable.
 */
export function loadAll<T extends Record<string, () => unknown>>(
  loaders: T,
): { [K in keyof T]: ReturnType<T[K]> } {
  const problems = new Set<string>();
  const results: Record<string, unknown> = {};
  for (const [name, load] of Object.entries(loaders)) {
    try {
      results[name] = load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const line of error.message.split('\n').slice(1)) problems.add(line);
    }
  }
  if (problems.size > 0) throw new ConfigError(`Invalid configuration:\n${[...problems].join('\n')}`);
  return results as { [K in keyof T]: ReturnType<T[K]> };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
