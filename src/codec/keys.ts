import { readFileSync } from 'node:fs';

/**
 * Where payload-encryption keys come from. Keys are AES-256 keys (32 bytes, base64). Every key that ever
 * encrypted a payload still in retention must stay listed: histories are decoded with the key whose id
 * each payload carries, and only `current` encrypts new payloads. That is what makes rotation a config
 * change instead of a migration.
 */
export const CODEC_ENV = {
  /** Comma-separated `id=base64key` pairs, e.g. `k1=…,k2=…`. */
  keys: 'MODELSHIP_CODEC_KEYS',
  /** Id of the key that encrypts new payloads. Optional when MODELSHIP_CODEC_KEYS holds one key. */
  currentKeyId: 'MODELSHIP_CODEC_KEY_ID',
  /** Path of a JSON file `{ "current": "k2", "keys": { "k1": "base64", "k2": "base64" } }`. */
  keysFile: 'MODELSHIP_CODEC_KEYS_FILE',
} as const;

export const KEY_BYTES = 32;

export interface CodecKeys {
  /** Id of the key that encrypts new payloads. */
  currentKeyId: string;
  /** Every key that may have encrypted a payload, by id. */
  keys: ReadonlyMap<string, Buffer>;
}

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

// Key ids travel in payload metadata in clear and name keys in logs: keep them short and printable.
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the codec keys from the environment, or returns undefined when none are configured (encryption
 * is opt-in). Throws a CodecKeyError naming the variable and the rule when a key is malformed, so a
 * worker never starts with a key it would later fail to decrypt with.
 */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeys | undefined {
  const inline = env[CODEC_ENV.keys]?.trim();
  const file = env[CODEC_ENV.keysFile]?.trim();
  const current = env[CODEC_ENV.currentKeyId]?.trim();
  if (inline && file) {
    throw new CodecKeyError(`set either ${CODEC_ENV.keys} or ${CODEC_ENV.keysFile}, not both`);
  }
  if (file) {
    if (current) throw new CodecKeyError(`${CODEC_ENV.currentKeyId} does not apply with ${CODEC_ENV.keysFile}: set "current" in the file`);
    return parseKeysFile(readKeysFile(file), CODEC_ENV.keysFile);
  }
  if (inline) return parseKeyList(inline, current || undefined);
  if (current) throw new CodecKeyError(`${CODEC_ENV.currentKeyId} is set but ${CODEC_ENV.keys} (or ${CODEC_ENV.keysFile}) is not`);
  return undefined;
}

/** Parses `id=base64key,id=base64key` (MODELSHIP_CODEC_KEYS) with the current id (MODELSHIP_CODEC_KEY_ID). */
export function parseKeyList(list: string, currentKeyId: string | undefined): CodecKeys {
  const keys = new Map<string, Buffer>();
  for (const [i, entry] of list
    .split(',')
    .map((e) => e.trim())
    .entries()) {
    const eq = entry.indexOf('=');
    // A bare key ends in '=' padding and would otherwise parse as an id with an empty key: never echo
    // an entry, it may be key material.
    if (eq <= 0 || eq === entry.length - 1 || /^=+$/.test(entry.slice(eq + 1))) {
      throw new CodecKeyError(`${CODEC_ENV.keys}: entry ${i + 1} must be id=base64key (comma-separated)${entry ? '' : '; got an empty entry'}`);
    }
    const id = entry.slice(0, eq).trim();
    addKey(keys, id, entry.slice(eq + 1).trim(), CODEC_ENV.keys);
  }
  const ids = [...keys.keys()];
  if (!currentKeyId) {
    if (ids.length > 1) {
      throw new CodecKeyError(
        `${CODEC_ENV.currentKeyId} must name the key that encrypts new payloads when ${CODEC_ENV.keys} holds more than one (${ids.join(', ')})`,
      );
    }
    return { currentKeyId: ids[0], keys };
  }
  if (!keys.has(currentKeyId)) {
    throw new CodecKeyError(`${CODEC_ENV.currentKeyId}: "${currentKeyId}" is not one of the ids in ${CODEC_ENV.keys} (${ids.join(', ')})`);
  }
  return { currentKeyId, keys };
}

/** Validates the parsed JSON of a keys file; `source` names it in errors. */
export function parseKeysFile(doc: unknown, source: string): CodecKeys {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CodecKeyError(`${source}: must be a JSON object { "current": "<id>", "keys": { "<id>": "<base64 key>" } }`);
  }
  const { current, keys: raw } = doc as { current?: unknown; keys?: unknown };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) {
    throw new CodecKeyError(`${source}: "keys" must be a non-empty object of "<id>": "<base64 key>"`);
  }
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new CodecKeyError(`${source}: keys.${id} must be a base64 string`);
    addKey(keys, id, value, source);
  }
  if (typeof current !== 'string' || !keys.has(current)) {
    throw new CodecKeyError(`${source}: "current" must be one of the ids in "keys" (${[...keys.keys()].join(', ')}); got ${JSON.stringify(current)}`);
  }
  return { currentKeyId: current, keys };
}

function readKeysFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodecKeyError(`${CODEC_ENV.keysFile}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // Never echo the file's content: it holds the keys.
    throw new CodecKeyError(`${CODEC_ENV.keysFile}: ${file} is not valid JSON`);
  }
}

function addKey(keys: Map<string, Buffer>, id: string, b64: string, source: string): void {
  if (!KEY_ID.test(id)) {
    // Short ids are echoed to help; a long one may be a misplaced key.
    throw new CodecKeyError(`${source}: key id ${id.length <= 64 ? `"${id}" ` : ''}must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  if (keys.has(id)) throw new CodecKeyError(`${source}: key id "${id}" appears twice`);
  // Error messages name the key id and the rule, never the key material.
  if (!BASE64.test(b64)) {
    throw new CodecKeyError(`${source}: key "${id}" is not valid base64 (standard alphabet, padded); generate one with \`openssl rand -base64 32\``);
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CodecKeyError(`${source}: key "${id}" must decode to ${KEY_BYTES} bytes for AES-256; got ${key.length}`);
  }
  keys.set(id, key);
}
