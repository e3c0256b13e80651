import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { dataConverterFromEnv } from '../../src/codec/data-converter';
import { EncryptionCodec, METADATA_ENCRYPTION_KEY_ID } from '../../src/codec/encryption-codec';
import { CodecKeyError, codecKeysFromEnv } from '../../src/codec/keys';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();

function keysFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'codec-keys-')), 'keys.json');
  writeFileSync(file, content);
  return file;
}

function refused(env: NodeJS.ProcessEnv, message: RegExp, secret?: string): void {
  assert.throws(
    () => codecKeysFromEnv(env),
    (err: unknown) => {
      assert.ok(err instanceof CodecKeyError, `expected CodecKeyError, got ${err}`);
      assert.match(err.message, message);
      if (secret) assert.ok(!err.message.includes(secret), 'the error must not echo key material');
      return true;
    },
  );
}

describe('codec keys from the environment', () => {
  it('is off when no key variable is set', () => {
    assert.equal(codecKeysFromEnv({}), undefined);
    assert.equal(dataConverterFromEnv({}), undefined);
  });

  it('reads id=base64 pairs and the current id', () => {
    const keys = codecKeysFromEnv({ MODELSHIP_CODEC_KEYS: ` k1=${K1} , k2=${K2} `, MODELSHIP_CODEC_KEY_ID: 'k2' });
    assert.equal(keys?.currentKeyId, 'k2');
    assert.deepEqual([...(keys?.keys.keys() ?? [])], ['k1', 'k2']);
    assert.equal(keys?.keys.get('k1')?.toString('base64'), K1);
  });

  it('takes a single key as current without MODELSHIP_CODEC_KEY_ID', () => {
    assert.equal(codecKeysFromEnv({ MODELSHIP_CODEC_KEYS: `only=${K1}` })?.currentKeyId, 'only');
  });

  it('reads a keys file', () => {
    const file = keysFile(JSON.stringify({ current: 'k2', keys: { k1: K1, k2: K2 } }));
    const keys = codecKeysFromEnv({ MODELSHIP_CODEC_KEYS_FILE: file });
    assert.equal(keys?.currentKeyId, 'k2');
    assert.equal(keys?.keys.size, 2);
  });

  it('refuses a key of the wrong length, naming the variable, the key id and the rule', () => {
    const short = randomBytes(16).toString('base64');
    refused({ MODELSHIP_CODEC_KEYS: `k1=${short}` }, /^MODELSHIP_CODEC_KEYS: key "k1" must decode to 32 bytes for AES-256; got 16$/, short);
  });

  it('refuses a key that is not base64', () => {
    refused({ MODELSHIP_CODEC_KEYS: 'k1=not*base64!' }, /MODELSHIP_CODEC_KEYS: key "k1" is not valid base64/, 'not*base64!');
    refused({ MODELSHIP_CODEC_KEYS: `k1=${K1.slice(0, -1)}` }, /key "k1" is not valid base64/);
  });

  it('refuses an unknown current id, listing the known ones', () => {
    refused(
      { MODELSHIP_CODEC_KEYS: `k1=${K1},k2=${K2}`, MODELSHIP_CODEC_KEY_ID: 'k3' },
      /^MODELSHIP_CODEC_KEY_ID: "k3" is not one of the ids in MODELSHIP_CODEC_KEYS \(k1, k2\)$/,
    );
  });

  it('refuses several keys without a current id', () => {
    refused({ MODELSHIP_CODEC_KEYS: `k1=${K1},k2=${K2}` }, /MODELSHIP_CODEC_KEY_ID must name the key that encrypts new payloads/);
  });

  it('refuses entries without an id, duplicate ids and unprintable ids', () => {
    refused({ MODELSHIP_CODEC_KEYS: K1 }, /MODELSHIP_CODEC_KEYS: entry 1 must be id=base64key/, K1);
    refused({ MODELSHIP_CODEC_KEYS: `k1=${K1},` }, /entry 2 must be id=base64key .*an empty entry/);
    // A bare key whose padding looks like "id=": must not be taken as an id, nor echoed.
    const padded = randomBytes(32).toString('base64').replace(/=$/, '') + '=';
    refused({ MODELSHIP_CODEC_KEYS: padded }, /entry 1 must be id=base64key/, padded.slice(0, -1));
    refused({ MODELSHIP_CODEC_KEYS: `${'a'.repeat(70)}=${K1}` }, /key id must be 1-64/, 'a'.repeat(70));
    refused({ MODELSHIP_CODEC_KEYS: `k1=${K1},k1=${K2}` }, /key id "k1" appears twice/);
    refused({ MODELSHIP_CODEC_KEYS: `key one=${K1}` }, /key id "key one" must be 1-64 letters/);
  });

  it('refuses a current id without keys, and both sources at once', () => {
    refused({ MODELSHIP_CODEC_KEY_ID: 'k1' }, /MODELSHIP_CODEC_KEY_ID is set but MODELSHIP_CODEC_KEYS/);
    refused({ MODELSHIP_CODEC_KEYS: `k1=${K1}`, MODELSHIP_CODEC_KEYS_FILE: '/x' }, /set either MODELSHIP_CODEC_KEYS or MODELSHIP_CODEC_KEYS_FILE, not both/);
  });

  it('refuses a malformed keys file without echoing it', () => {
    refused({ MODELSHIP_CODEC_KEYS_FILE: keysFile(`{ "current": "k1", "keys": { "k1": "${K1}" `) }, /MODELSHIP_CODEC_KEYS_FILE: .* is not valid JSON$/, K1);
    refused(
      { MODELSHIP_CODEC_KEYS_FILE: keysFile(JSON.stringify({ current: 'k9', keys: { k1: K1 } })) },
      /"current" must be one of the ids in "keys" \(k1\); got "k9"/,
    );
    refused({ MODELSHIP_CODEC_KEYS_FILE: keysFile(JSON.stringify({ current: 'k1', keys: {} })) }, /"keys" must be a non-empty object/);
    refused({ MODELSHIP_CODEC_KEYS_FILE: keysFile(JSON.stringify({ current: 'k1', keys: { k1: 'dG9vIHNob3J0' } })) }, /key "k1" must decode to 32 bytes/);
    refused({ MODELSHIP_CODEC_KEYS_FILE: path.join(tmpdir(), 'no-such-modelship-keys.json') }, /cannot read .*ENOENT/);
  });
});

describe('encryption codec', () => {
  const k1 = new EncryptionCodec({ currentKeyId: 'k1', keys: new Map([['k1', Buffer.from(K1, 'base64')]]) });
  const rotated = new EncryptionCodec({
    currentKeyId: 'k2',
    keys: new Map([
      ['k1', Buffer.from(K1, 'base64')],
      ['k2', Buffer.from(K2, 'base64')],
    ]),
  });
  const plain: Payload = { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('json/plain') }, data: Buffer.from('{"modelDataUrl":"s3://secret/m.tar.gz"}') };
  const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString();

  it('hides data and metadata, and restores both', async () => {
    const [enc] = await k1.encode([plain]);
    assert.equal(str(enc.metadata?.[METADATA_ENCODING_KEY]), 'binary/encrypted');
    assert.equal(str(enc.metadata?.[METADATA_ENCRYPTION_KEY_ID]), 'k1');
    assert.ok(!str(enc.data).includes('s3://secret') && !str(enc.data).includes('json/plain'));
    const [dec] = await k1.decode([enc]);
    assert.equal(str(dec.data), str(plain.data));
    assert.equal(str(dec.metadata?.[METADATA_ENCODING_KEY]), 'json/plain');
  });

  it('uses a fresh nonce per payload', async () => {
    const [a, b] = await k1.encode([plain, plain]);
    assert.notDeepEqual(Buffer.from(a.data ?? []), Buffer.from(b.data ?? []));
  });

  it('passes unencrypted payloads through on decode', async () => {
    assert.deepEqual(await k1.decode([plain]), [plain]);
  });

  it('decodes payloads of a rotated-out key and encrypts new ones with the current key', async () => {
    const [old] = await k1.encode([plain]);
    assert.equal(str((await rotated.decode([old]))[0].data), str(plain.data));
    assert.equal(str((await rotated.encode([plain]))[0].metadata?.[METADATA_ENCRYPTION_KEY_ID]), 'k2');
    await assert.rejects(k1.decode(await rotated.encode([plain])), /encrypted with key "k2", which this process does not have \(known: k1\)/);
  });

  it('refuses tampered ciphertext', async () => {
    const [enc] = await k1.encode([plain]);
    const data = Buffer.from(enc.data ?? []);
    data[20] ^= 1;
    await assert.rejects(k1.decode([{ ...enc, data }]), /failed authentication with key "k1"/);
    const impostor = new EncryptionCodec({ currentKeyId: 'k1', keys: new Map([['k1', Buffer.from(K2, 'base64')]]) });
    await assert.rejects(impostor.decode([enc]), /failed authentication with key "k1"/);
  });
});
