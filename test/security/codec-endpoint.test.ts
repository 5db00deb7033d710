/**
 * The Web UI's codec endpoint on the HTTP API: encode/decode in Temporal's codec-server JSON, the bearer
 * token, CORS for the UI's origin. No Temporal server is needed: the routes never call it.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../../src/api/server';
import { JobClient } from '../../src/client';
import { ApiKeys } from '../../src/security/api-keys';
import { AesGcmPayloadCodec } from '../../src/security/payload-codec';

const token = randomBytes(32).toString('base64url');
const uiOrigin = 'http://127.0.0.1:8233';
const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const plain = { metadata: { encoding: b64('json/plain') }, data: b64('{"API_TOKEN":"s3cr3t"}') };

async function buildApi(withCodec: boolean): Promise<FastifyInstance> {
  return buildApiServer({
    // never connected: the codec routes do not talk to Temporal
    jobs: new JobClient(new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), {
      taskQueue: 'unused',
    }),
    apiKeys: new ApiKeys({}),
    callbackSecret: randomBytes(32).toString('base64url'),
    codecEndpoint: withCodec ? { codec, token, allowedOrigins: [uiOrigin] } : undefined,
  });
}

let api: FastifyInstance;
beforeAll(async () => {
  api = await buildApi(true);
});
afterAll(() => api?.close());

/** `authorization: ''` sends none */
function post(path: string, payloads: unknown[], authorization = `Bearer ${token}`) {
  return api.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/json',
      origin: uiOrigin,
      ...(authorization && { authorization }),
    },
    payload: { payloads },
  });
}

describe('the codec endpoint', () => {
  it('encodes and decodes payloads in the codec server format', async () => {
    const encoded = await post('/codec/encode', [plain]);
    expect(encoded.statusCode).toBe(200);
    const [encrypted] = encoded.json<{
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    }>().payloads;
    expect(Buffer.from(encrypted!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted!.data, 'base64').toString()).not.toContain('s3cr3t');

    const decoded = await post('/codec/decode', [encrypted]);
    expect(decoded.statusCode).toBe(200);
    expect(decoded.json()).toEqual({ payloads: [plain] });
    expect(decoded.headers['access-control-allow-origin']).toBe(uiOrigin);
  });

  it('answers 401 without the token or with a wrong one', async () => {
    for (const authorization of ['', `Bearer ${token}x`, token]) {
      const response = await post('/codec/decode', [plain], authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'InvalidCodecToken' } });
    }
  });

  it("answers the UI's CORS preflight, for its origin only", async () => {
    const preflight = (origin: string) =>
      api.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await preflight('https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('says why a payload cannot be decoded', async () => {
    const [encrypted] = await codec.encode([{ metadata: {}, data: Buffer.from('x') }]);
    const data = Buffer.from(encrypted!.data!);
    data[15]! ^= 1;
    const tampered = {
      metadata: Object.fromEntries(
        Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: data.toString('base64'),
    };
    const response = await post('/codec/decode', [tampered]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'UndecodablePayload' } });
  });

  it('is not served when payloads are not encrypted', async () => {
    const withoutCodec = await buildApi(false);
    try {
      const response = await withoutCodec.inject({
        method: 'POST',
        url: '/codec/decode',
        payload: { payloads: [] },
      });
      expect(response.statusCode).toBe(404);
    } finally {
      await withoutCodec.close();
    }
  });
});
