import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeys } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
// 96-bit random nonces are GCM's recommended size; a fresh one per payload keeps (key, nonce) unique.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM over the whole serialized payload, metadata included (the encoding and type hints are
 * as revealing as the data). Layout of `data`: iv (12) ‖ ciphertext ‖ auth tag (16), the same as
 * WebCrypto's AES-GCM output, so the Temporal samples' codecs read it. New payloads use the current
 * key; decoding picks the key named by each payload's `encryption-key-id`, so rotated-out keys still
 * open old histories. Payloads not marked `binary/encrypted` pass through, so histories written before
 * encryption was turned on stay readable.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  get currentKeyId(): string {
    return this.keys.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.currentKeyId;
    const key = this.keyFor(keyId);
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: Buffer.from(keyId),
      },
      data: encrypt(temporal.api.common.v1.Payload.encodeDelimited(payload).finish(), key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[METADATA_ENCRYPTION_KEY_ID];
      if (!keyIdBytes) throw new ValueError(`encrypted payload has no ${METADATA_ENCRYPTION_KEY_ID} metadata`);
      if (!payload.data) throw new ValueError('encrypted payload has no data');
      const keyId = Buffer.from(keyIdBytes).toString();
      const plain = decrypt(payload.data, this.keyFor(keyId), keyId);
      return temporal.api.common.v1.Payload.decodeDelimited(plain) as Payload;
    });
  }

  private keyFor(keyId: string): Buffer {
    const key = this.keys.keys.get(keyId);
    if (!key) {
      throw new ValueError(
        `payload was encrypted with key "${keyId}", which this process does not have (known: ${[...this.keys.keys.keys()].join(', ')}); ` +
          'keep rotated-out keys listed until no history in retention uses them',
      );
    }
    return key;
  }
}

function encrypt(plain: Uint8Array, key: Buffer): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(data: Uint8Array, key: Buffer, keyId: string): Uint8Array {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < IV_BYTES + TAG_BYTES) throw new ValueError(`encrypted payload (key "${keyId}") is truncated`);
  const decipher = createDecipheriv(ALGORITHM, key, buf.subarray(0, IV_BYTES));
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM authentication failed: the data was altered, or the key under this id is not the one that encrypted it.
    throw new ValueError(`encrypted payload failed authentication with key "${keyId}": tampered data, or a different key under that id`);
  }
}
