/**
 * JSON logs (pino): one object per line with an ISO time and a level name, secrets redacted by key wherever
 * they sit in the first three levels of a log object (tokens, keys, passwords, secret env, connection strings).
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevelName } from './config';

/** Keys whose values never reach a log line. */
const SECRET_KEYS = [
  'authorization',
  'token',
  'callbackToken',
  'callbackSecret',
  'secret',
  'password',
  'apiKey',
  'apiKeys',
  'connectionString',
  'secretEnv',
  'secureEnv',
  'secureValue',
  'ACI_BATCH_CALLBACK_TOKEN',
  'ACI_BATCH_CALLBACK_SECRET',
  'ACI_BATCH_API_KEYS',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
] as const;

export const REDACTED = '[REDACTED]';

/** pino redact paths: each secret key at depth 1, 2 and 3, plus the request headers that carry keys. */
const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers["x-api-key"]',
];

/** Options for pino, or for Fastify's `logger` option. */
export function jsonLoggerOptions(name: string, level: LogLevelName): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
}

export function createLogger(name: string, level: LogLevelName, destination?: DestinationStream): Logger {
  const options = jsonLoggerOptions(name, level);
  return destination ? pino(options, destination) : pino(options);
}
