import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import { codecKeysFromEnv } from './keys';

/** Module of the failure converter that encrypts failure messages and stack traces along with payloads. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter every modelship client and worker uses: payload encryption (failure messages
 * included) when codec keys are configured (MODELSHIP_CODEC_KEYS or MODELSHIP_CODEC_KEYS_FILE), otherwise
 * undefined, which leaves the SDK's default converter in place. Clients and workers must agree: a worker
 * without the keys cannot read inputs a client encrypted.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keys = codecKeysFromEnv(env);
  if (!keys) return undefined;
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    // A path, not an instance: workflow code bundles it into the sandbox (done by createWorker when it
    // bundles; a pre-built bundle must pass the same path to bundleWorkflowCode).
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/** The key id new payloads are encrypted with, for startup logs (never the key itself). */
export function encryptionKeyIdOf(converter: DataConverter | undefined): string | undefined {
  const codec = converter?.payloadCodecs?.find((c): c is EncryptionCodec => c instanceof EncryptionCodec);
  return codec?.currentKeyId;
}
