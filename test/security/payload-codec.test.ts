import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parsePayloadKeys,
  PayloadEncryptionError,
  type PayloadKey,
} from '../../src/security/payload-codec';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const k1 = key('k1');
const k2 = key('k2');
const secret = `sk-${randomBytes(16).toString('hex')}`;
const payload = (): Payload => defaultPayloadConverter.toPayload({ secretEnv: { API_TOKEN: secret } });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

async function encryptOne(codec: AesGcmPayloadCodec, plain = payload()): Promise<Payload> {
  const [encrypted] = await codec.encode([plain]);
  return encrypted!;
}

describe('the AES-256-GCM payload codec', () => {
  it('round-trips a payload, hiding its content and naming its key', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const encrypted = await encryptOne(codec);
    expect(text(encrypted.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(encrypted.data!).includes(secret)).toBe(false);
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ secretEnv: { API_TOKEN: secret } });
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [a, b] = await codec.encode([payload(), payload()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates keys: the first key encrypts, an older key still decrypts', async () => {
    const before = new AesGcmPayloadCodec([k1]);
    const after = new AesGcmPayloadCodec([k2, k1]);
    const old = await encryptOne(before);
    const fresh = await encryptOne(after);
    expect(after.encryptingKeyId).toBe('k2');
    expect(text(fresh.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const decoded = await after.decode([old, fresh]);
    for (const one of decoded)
      expect(defaultPayloadConverter.fromPayload(one)).toEqual({ secretEnv: { API_TOKEN: secret } });
  });

  it('rejects a payload whose ciphertext, tag or key id was altered', async () => {
    const codec = new AesGcmPayloadCodec([k1, k2]);
    const encrypted = await encryptOne(codec);
    const flipped = (index: number): Payload => {
      const data = Buffer.from(encrypted.data!);
      data[index]! ^= 0x01;
      return { ...encrypted, data };
    };
    const relabelled = {
      ...encrypted,
      metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: Buffer.from('k2') },
    };
    for (const tampered of [flipped(20), flipped(encrypted.data!.length - 1), relabelled]) {
      await expect(codec.decode([tampered])).rejects.toThrow(/failed authentication/);
    }
  });

  it('says which key is missing when a payload was encrypted with a key it does not have', async () => {
    const encrypted = await encryptOne(new AesGcmPayloadCodec([key('retired')]));
    const error = await new AesGcmPayloadCodec([k2, k1]).decode([encrypted]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadEncryptionError);
    expect((error as Error).message).toMatch(/key "retired", which is not configured \(configured: k2, k1\)/);
  });

  it('never shows its keys when printed (the worker logs its options, codecs included)', () => {
    const codec = new AesGcmPayloadCodec([k1]);
    for (const printed of [inspect(codec, { depth: 10, showHidden: true }), JSON.stringify(codec)]) {
      expect(printed).not.toContain(k1.key.toString('hex').slice(0, 16));
      expect(printed).not.toMatch(/<Buffer/);
    }
  });

  it('passes payloads that were never encrypted through unchanged', async () => {
    const plain = payload();
    await expect(new AesGcmPayloadCodec([k1]).decode([plain])).resolves.toEqual([plain]);
  });
});

describe('payload keys from configuration', () => {
  const base64 = (bytes: number) => randomBytes(bytes).toString('base64');

  it('reads "id:base64" pairs in order, the first one encrypting', () => {
    const keys = parsePayloadKeys(` k2:${base64(32)} , k1:${base64(32)} `);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
  });

  it('refuses wrong lengths, bad ids, duplicates and empty lists, never quoting the key', () => {
    const short = base64(16);
    expect(() => parsePayloadKeys(`k1:${short}`)).toThrow(/key "k1" must be 32 random bytes in base64/);
    expect(() => parsePayloadKeys(`k1:${short}`)).not.toThrow(short);
    expect(() => parsePayloadKeys(`k1:not base64!`)).toThrow(/key "k1" must be 32 random bytes/);
    expect(() => parsePayloadKeys(base64(32))).toThrow(/key 1 must be "<id>:<base64 key>"/);
    expect(() => parsePayloadKeys(`bad id:${base64(32)}`)).toThrow(/key 1 must be/);
    expect(() => parsePayloadKeys(`k1:${base64(32)},k1:${base64(32)}`)).toThrow(/"k1" is listed twice/);
    expect(() => parsePayloadKeys(' , ')).toThrow(/no keys given/);
  });
});
