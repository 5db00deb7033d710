/**
 * The codec endpoint of the Temporal Web UI and CLI (Temporal's "codec server" protocol): `POST /codec/decode`
 * and `POST /codec/encode` take and return `{ "payloads": [{ "metadata": { "<key>": "<base64>" }, "data":
 * "<base64>" }] }`. Configure `<api>/codec` as the UI's codec endpoint, or pass `--codec-endpoint <api>/codec
 * --codec-auth "Bearer <token>"` to the `temporal` CLI.
 *
 * Decoding shows secrets in clear, so every call needs the codec bearer token (ACI_BATCH_CODEC_TOKEN). The UI
 * calls from the browser: CORS preflights are answered for the configured UI origins only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from './bearer';
import type { CodecEndpointOptions } from '../security/data-converter';
import { ApiError } from './errors';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A page of history can carry many payloads of up to 2 MB each (Temporal's default limit). */
const CODEC_BODY_LIMIT = 16 * 1024 * 1024;

const payloadsSchema = {
  type: 'object',
  required: ['payloads'],
  properties: {
    payloads: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          metadata: { type: 'object', additionalProperties: { type: 'string' } },
          data: { type: 'string' },
        },
      },
    },
  },
} as const;

export async function registerCodecRoutes(
  app: FastifyInstance,
  options: CodecEndpointOptions,
): Promise<void> {
  const expected = digest(options.token);
  const allowedOrigins = new Set(options.allowedOrigins);

  // its own plugin scope, so that the CORS hook applies to these routes only
  await app.register(async (codec) => {
    codec.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (!origin || !allowedOrigins.has(origin)) return;
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
    });

    const preflight = (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, X-Namespace')
        .header('access-control-max-age', '600')
        .code(204)
        .send();

    const authorise = async (request: FastifyRequest) => {
      const token = bearerToken(request);
      if (!token || !timingSafeEqual(digest(token), expected)) {
        throw new ApiError(
          401,
          'InvalidCodecToken',
          'Send the codec token as "Authorization: Bearer <token>".',
        );
      }
    };

    const route = (path: string, transform: (payloads: Payload[]) => Promise<Payload[]>) => {
      codec.options(path, { schema: { hide: true } }, preflight);
      codec.post<{ Body: { payloads: JsonPayload[] } }>(
        path,
        { schema: { hide: true, body: payloadsSchema }, bodyLimit: CODEC_BODY_LIMIT, preHandler: authorise },
        async (request) => {
          let payloads: Payload[];
          try {
            payloads = await transform(request.body.payloads.map(fromJson));
          } catch (error) {
            throw new ApiError(400, 'UndecodablePayload', (error as Error).message);
          }
          return { payloads: payloads.map(toJson) };
        },
      );
    };
    route('/codec/encode', (payloads) => options.codec.encode(payloads));
    route('/codec/decode', (payloads) => options.codec.decode(payloads));
  });
}

function fromJson(payload: JsonPayload): Payload {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]): [string, Uint8Array] => [
    key,
    fromBase64(value),
  ]);
  return { metadata: Object.fromEntries(metadata), data: fromBase64(payload.data ?? '') };
}

function toJson(payload: Payload): JsonPayload {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]): [string, string] => [
    key,
    toBase64(value),
  ]);
  return { metadata: Object.fromEntries(metadata), data: toBase64(payload.data) };
}

function fromBase64(value: string): Uint8Array {
  return Buffer.from(value, 'base64');
}

function toBase64(bytes: Uint8Array | null | undefined): string {
  return Buffer.from(bytes ?? []).toString('base64');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
