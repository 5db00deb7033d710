/**
 * Reads the capacity configuration (pools, tenant policies) a worker and the API share: ACI_BATCH_CAPACITY_FILE,
 * a YAML or JSON file. Unset: admission on, one pool per region made on demand with ACI's documented limits.
 * Not workflow code (it reads a file): the rest of src/capacity is pure.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../config';
import { capacityConfigSchema, type CapacityConfig } from './config';

const capacityEnv = z.object({ ACI_BATCH_CAPACITY_FILE: z.string().optional() });

export const CAPACITY_ENV_VARS: readonly string[] = Object.keys(capacityEnv.shape);

/** Throws ConfigError naming the file, each bad field and its fix. */
export function loadCapacityConfig(env: NodeJS.ProcessEnv = process.env): CapacityConfig {
  const file = parseEnv(capacityEnv, env).ACI_BATCH_CAPACITY_FILE;
  if (!file) return capacityConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  ACI_BATCH_CAPACITY_FILE: cannot read ${file} (${(error as Error).message})`,
    );
  }
  return parseCapacityConfig(text, `ACI_BATCH_CAPACITY_FILE (${file})`);
}

/** Parses YAML or JSON text; `source` names it in errors. */
export function parseCapacityConfig(text: string, source: string): CapacityConfig {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  ${source}: not YAML or JSON: ${(error as Error).message}`,
    );
  }
  const result = capacityConfigSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  ${source}: ${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}
