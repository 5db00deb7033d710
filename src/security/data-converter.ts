/**
 * Payload encryption from configuration, for every process that talks to Temporal (worker, API, CLI, the local
 * stack, containers that report by direct signal): each adds `dataConverter: dataConverterFromEnv()`.
 *
 *   ACI_BATCH_PAYLOAD_KEYS        "k2:<base64 of 32 bytes>,k1:<...>": the first key encrypts, all decrypt.
 *                                 Unset: payloads are stored in clear, the development default. Production
 *                                 must set it, the same on every worker, API and CLI.
 *   ACI_BATCH_CODEC_TOKEN         enables the codec endpoint (/codec/encode, /codec/decode) of the HTTP API
 *                                 for the Web UI and CLI; at least 32 characters
 *   ACI_BATCH_CODEC_CORS_ORIGINS  browser origins allowed to call it (comma-separated); default the local
 *                                 Web UI, http://127.0.0.1:8233 and http://localhost:8233
 */
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { parseEnv } from '../config';
import { secret } from '../shared/validation';
import {
  AesGcmPayloadCodec,
  parsePayloadKeys,
  PayloadEncryptionError,
  type PayloadKey,
} from './payload-codec';

const DEFAULT_CODEC_ORIGINS = 'http://127.0.0.1:8233,http://localhost:8233';

const origin = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'each origin must be scheme://host[:port] without a path');

const encryptionEnv = z
  .object({
    ACI_BATCH_PAYLOAD_KEYS: z
      .string()
      .transform((text, ctx): PayloadKey[] => {
        try {
          return parsePayloadKeys(text);
        } catch (error) {
          if (!(error instanceof PayloadEncryptionError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
          return z.NEVER;
        }
      })
      .optional(),
    ACI_BATCH_CODEC_TOKEN: secret().optional(),
    ACI_BATCH_CODEC_CORS_ORIGINS: z
      .string()
      .default(DEFAULT_CODEC_ORIGINS)
      .transform((text) =>
        text
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
  })
  .refine((env) => !env.ACI_BATCH_CODEC_TOKEN || env.ACI_BATCH_PAYLOAD_KEYS, {
    path: ['ACI_BATCH_CODEC_TOKEN'],
    message: 'is set, but ACI_BATCH_PAYLOAD_KEYS is not: without keys there is nothing to decode',
  });

/** The Web UI's codec endpoint (served by the API): who may ask it to decode payloads. */
export interface CodecEndpointOptions {
  codec: PayloadCodec;
  /** the bearer token callers must send */
  token: string;
  /** browser origins allowed to call, e.g. the Web UI's "http://127.0.0.1:8233" */
  allowedOrigins: readonly string[];
}

export interface PayloadEncryption {
  codec: AesGcmPayloadCodec;
  /** the codec endpoint of the HTTP API; absent without ACI_BATCH_CODEC_TOKEN */
  codecEndpoint?: CodecEndpointOptions;
}

/** The configured encryption, or undefined when no keys are set. Throws ConfigError naming each bad variable. */
export function loadPayloadEncryption(env: NodeJS.ProcessEnv = process.env): PayloadEncryption | undefined {
  const parsed = parseEnv(encryptionEnv, env);
  if (!parsed.ACI_BATCH_PAYLOAD_KEYS) return undefined;
  const codec = new AesGcmPayloadCodec(parsed.ACI_BATCH_PAYLOAD_KEYS);
  const token = parsed.ACI_BATCH_CODEC_TOKEN;
  return {
    codec,
    codecEndpoint: token ? { codec, token, allowedOrigins: parsed.ACI_BATCH_CODEC_CORS_ORIGINS } : undefined,
  };
}

/** The data converter of a Client or Worker: the encrypting codec, or the SDK's defaults without one. */
export function dataConverterOf(encryption: PayloadEncryption | undefined): DataConverter {
  return encryption ? { payloadCodecs: [encryption.codec] } : {};
}

export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return dataConverterOf(loadPayloadEncryption(env));
}
