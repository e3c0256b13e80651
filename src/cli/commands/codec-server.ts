import { Command, Option } from 'commander';
import { CODEC_AUTH_TOKEN_ENV, DEFAULT_ALLOW_ORIGIN, startCodecServer } from '../../codec/codec-server';
import { EncryptionCodec } from '../../codec/encryption-codec';
import { CODEC_ENV, CodecKeyError, codecKeysFromEnv } from '../../codec/keys';
import { createLogger } from '../../logging';
import { CliError, EXIT } from '../exit-codes';

interface CodecServerFlags {
  port: number;
  host: string;
  allowOrigin: string[];
}

// Identity matters: the option's parser recognises the untouched default by reference.
const DEFAULT_ORIGINS = [DEFAULT_ALLOW_ORIGIN];

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .summary('serve POST /encode and /decode so the Temporal UI and CLI can show encrypted payloads')
    .description(
      'Decrypts payloads for the Temporal web UI (its codec endpoint setting, or `temporal server start-dev ' +
        '--ui-codec-endpoint`) and the Temporal CLI (TEMPORAL_CODEC_ENDPOINT). Keys come from ' +
        `${CODEC_ENV.keys} / ${CODEC_ENV.currentKeyId} or ${CODEC_ENV.keysFile}, as for the worker. Set ` +
        `${CODEC_AUTH_TOKEN_ENV} so only callers sending "Authorization: Bearer <token>" see decrypted payloads.`,
    )
    .addOption(new Option('--port <port>', 'port to listen on').env('MODELSHIP_CODEC_PORT').default(8888).argParser(Number))
    .addOption(new Option('--host <host>', 'interface to listen on').env('MODELSHIP_CODEC_HOST').default('127.0.0.1'))
    .addOption(
      new Option('--allow-origin <origin...>', 'browser origins allowed to call (the Temporal UI); `*` for any')
        .env('MODELSHIP_CODEC_ALLOW_ORIGIN')
        .default(DEFAULT_ORIGINS)
        .argParser((value: string, previous: string[] | undefined) => [
          // Commander passes the default as `previous` on the first use: a given origin replaces it.
          ...(previous && previous !== DEFAULT_ORIGINS ? previous : []),
          ...value
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean),
        ]),
    )
    .action(runCodecServer);
}

async function runCodecServer(flags: CodecServerFlags): Promise<void> {
  let keys;
  try {
    keys = codecKeysFromEnv();
  } catch (err) {
    throw new CliError(err instanceof CodecKeyError ? err.message : String(err), EXIT.invalidInput);
  }
  if (!keys) throw new CliError(`no codec keys: set ${CODEC_ENV.keys} (and ${CODEC_ENV.currentKeyId}) or ${CODEC_ENV.keysFile}`, EXIT.invalidInput);
  const authToken = process.env[CODEC_AUTH_TOKEN_ENV] || undefined;
  const logger = createLogger();
  const running = await startCodecServer({
    codec: new EncryptionCodec(keys),
    port: flags.port,
    host: flags.host,
    allowOrigins: flags.allowOrigin,
    authToken,
    onRequest: (entry) => logger.info(entry, 'codec request'),
  });
  logger.info(
    {
      url: running.url,
      allowOrigins: flags.allowOrigin,
      auth: authToken ? 'bearer token' : 'none',
      keyIds: [...keys.keys.keys()],
      currentKeyId: keys.currentKeyId,
    },
    'modelship codec server listening',
  );
  if (!authToken) logger.warn(`${CODEC_AUTH_TOKEN_ENV} is not set: anyone who can reach ${running.url} can decrypt payloads`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
}
