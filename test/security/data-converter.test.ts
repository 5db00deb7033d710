import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config';
import { dataConverterFromEnv, loadPayloadEncryption } from '../../src/security/data-converter';
import { AesGcmPayloadCodec } from '../../src/security/payload-codec';

const keys = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
const token = randomBytes(32).toString('base64url');

describe('payload encryption from the environment', () => {
  it('leaves payloads in clear when no keys are set (the development default)', () => {
    expect(loadPayloadEncryption({})).toBeUndefined();
    expect(dataConverterFromEnv({})).toEqual({});
  });

  it('encrypts with the configured keys; the codec endpoint needs its token', () => {
    const encryption = loadPayloadEncryption({ ACI_BATCH_PAYLOAD_KEYS: keys });
    expect(encryption?.codec.encryptingKeyId).toBe('k2');
    expect(encryption?.codecEndpoint).toBeUndefined();
    const converter = dataConverterFromEnv({ ACI_BATCH_PAYLOAD_KEYS: keys });
    expect(converter.payloadCodecs?.[0]).toBeInstanceOf(AesGcmPayloadCodec);

    const withEndpoint = loadPayloadEncryption({
      ACI_BATCH_PAYLOAD_KEYS: keys,
      ACI_BATCH_CODEC_TOKEN: token,
    });
    expect(withEndpoint?.codecEndpoint).toMatchObject({
      token,
      allowedOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
    });
    expect(withEndpoint?.codecEndpoint?.codec).toBe(withEndpoint?.codec);
  });

  it('names each bad variable, without printing key material', () => {
    const shortKey = randomBytes(8).toString('base64');
    const error = (() => {
      try {
        loadPayloadEncryption({
          ACI_BATCH_PAYLOAD_KEYS: `k1:${shortKey}`,
          ACI_BATCH_CODEC_TOKEN: 'short',
          ACI_BATCH_CODEC_CORS_ORIGINS: 'http://ui.example.com/path',
        });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/ACI_BATCH_PAYLOAD_KEYS: key "k1" must be 32 random bytes/);
    expect(error?.message).toMatch(/ACI_BATCH_CODEC_TOKEN: must be at least 32 characters/);
    expect(error?.message).toMatch(/ACI_BATCH_CODEC_CORS_ORIGINS.*scheme:\/\/host\[:port\]/);
    expect(error?.message).not.toContain(shortKey);
  });

  it('refuses a codec token without keys', () => {
    expect(() => loadPayloadEncryption({ ACI_BATCH_CODEC_TOKEN: token })).toThrow(
      /ACI_BATCH_CODEC_TOKEN: is set, but ACI_BATCH_PAYLOAD_KEYS is not/,
    );
  });
});
