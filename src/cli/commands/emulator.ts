import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';

export function emulatorCommand(): Command {
  return new Command('emulator')
    .summary('run the local AWS emulator (SageMaker, registry, autoscaling, CloudWatch, runtime)')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[args...]', 'emulator options; see `modelship emulator --help`')
    .action(async (args: string[]) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- require(), not import(): bin/modelship registers only tsx's CommonJS hook, so import() of a .ts source fails
      const { parseEmulatorArgs, runEmulatorFromArgs, USAGE } = require('../../emulator/main') as typeof import('../../emulator/main');
      // The emulator parses its own options; its usage is help (stdout, exit 0) or a usage error (exit 2).
      if (args.includes('--help') || args.includes('-h')) return void console.log(USAGE);
      try {
        parseEmulatorArgs(args);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.invalidInput);
      }
      await runEmulatorFromArgs(args);
    });
}
