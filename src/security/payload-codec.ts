/**
 * A Temporal payload codec that encrypts every payload (workflow and activity inputs and results, signals,
 * memos) before it leaves the process, so secret env values and tokens are never in clear in Temporal's
 * history. AES-256-GCM with a random 12-byte IV per payload. The key id travels in the payload's metadata, so
 * keys can be rotated: the first key encrypts, every configured key decrypts.
 *
 * An encrypted payload: metadata `{ encoding: "binary/encrypted", "encryption-key-id": <id> }`, data
 * `IV (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes)`, the plaintext being the original payload in protobuf.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface PayloadKey {
  id: string;
  /** 32 bytes */
  key: Buffer;
}

/** A bad key list, or a payload that cannot be decrypted. Messages never contain key material. */
export class PayloadEncryptionError extends Error {
  override name = 'PayloadEncryptionError';
}

/** Parses `"k2:<base64 of 32 bytes>,k1:<...>"` (the form of ACI_BATCH_PAYLOAD_KEYS); the first key encrypts. */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0)
    throw new PayloadEncryptionError('no keys given: expected "<id>:<base64 key>,..."');
  const keys = entries.map((entry, index) => parseKey(entry, index + 1));
  const ids = keys.map((key) => key.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new PayloadEncryptionError(`key id "${duplicate}" is listed twice`);
  return keys;
}

/** `position` names the entry in errors: the entry itself holds the key, so it is never quoted. */
function parseKey(entry: string, position: number): PayloadKey {
  const separator = entry.indexOf(':');
  const id = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  if (separator < 0 || !KEY_ID.test(id)) {
    throw new PayloadEncryptionError(
      `key ${position} must be "<id>:<base64 key>" with an id of 1-64 letters, digits, ".", "_" or "-"`,
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (!BASE64.test(encoded) || key.length !== KEY_BYTES) {
    throw new PayloadEncryptionError(
      `key "${id}" must be ${KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return { id, key };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  // #private: never shown by util.inspect or JSON.stringify (the worker logs its options, codecs included)
  readonly #encryptingKey: PayloadKey;
  readonly #keysById: ReadonlyMap<string, Buffer>;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(keys: readonly PayloadKey[]) {
    const [first] = keys;
    if (!first) throw new PayloadEncryptionError('at least one key is needed to encrypt payloads');
    this.#encryptingKey = first;
    this.#keysById = new Map(keys.map(({ id, key }) => [id, key]));
  }

  get encryptingKeyId(): string {
    return this.#encryptingKey.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.#encryptingKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv).setAAD(Buffer.from(id));
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    // written before encryption was turned on, or not a payload of ours: passed on as it is
    if (metadataText(payload, 'encoding') !== ENCRYPTED_ENCODING) return payload;
    const id = metadataText(payload, KEY_ID_METADATA);
    const key = id === undefined ? undefined : this.#keysById.get(id);
    if (id === undefined || !key) {
      throw new PayloadEncryptionError(
        `a payload is encrypted with key "${id ?? '(none)'}", which is not configured (configured: ${[...this.#keysById.keys()].join(', ')}); add it to ACI_BATCH_PAYLOAD_KEYS to read it`,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadEncryptionError(`a payload encrypted with key "${id}" is truncated`);
    }
    // the key id is authenticated data: a payload relabelled with another key id fails like a tampered one
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES)).setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadEncryptionError(
        `a payload encrypted with key "${id}" failed authentication: it was altered, or the key "${id}" configured here is not the one that encrypted it`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
