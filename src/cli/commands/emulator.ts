import { Command } from 'commander';
import { runEmulatorFromArgs } from '../../emulator';

export function emulatorCommand(): Command {
  return new Command('emulator')
    .summary('run the local AWS emulator (SageMaker, registry, autoscaling, CloudWatch, runtime)')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[args...]', 'emulator options; see `modelship emulator --help`')
    .action(async (args: string[]) => {
      await runEmulatorFromArgs(args);
    });
}
