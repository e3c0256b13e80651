import { Command } from 'commander';

export function emulatorCommand(): Command {
  return new Command('emulator')
    .summary('run the local AWS emulator (SageMaker, registry, autoscaling, CloudWatch, runtime)')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[args...]', 'emulator options; see `modelship emulator --help`')
    .action(async (args: string[]) => {
      const { runEmulatorFromArgs } = require('../../emulator') as typeof import('../../emulator');
      await runEmulatorFromArgs(args);
    });
}
