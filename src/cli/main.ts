import { Command } from 'commander';
import { codecServerCommand } from './commands/codec-server';
import { canaryCommand } from './commands/canary';
import { demoCommand } from './commands/demo';
import { scheduleCommand } from './commands/schedule';
import { deleteCommand } from './commands/delete';
import { deployCommand } from './commands/deploy';
import { emulatorCommand } from './commands/emulator';
import { operateCommands } from './commands/operate';
import { planCommand } from './commands/plan';
import { updateCommand } from './commands/update';
import { workerCommand } from './commands/worker';
import { CliError, EXIT } from './exit-codes';

const program = new Command('modelship')
  .description('Durable, auditable ML model deployment pipelines for Amazon SageMaker, on Temporal.')
  .showHelpAfterError()
  .addCommand(deployCommand())
  .addCommand(canaryCommand())
  .addCommand(scheduleCommand())
  .addCommand(updateCommand())
  .addCommand(deleteCommand())
  .addCommand(planCommand())
  .addCommand(workerCommand())
  .addCommand(emulatorCommand())
  .addCommand(demoCommand())
  .addCommand(codecServerCommand())
  .addHelpText('after', '\nExit codes: 0 ok, 1 pipeline failed (rolled back), 2 invalid input, 3 infrastructure error,\n4 rollback incomplete (operator needed), 5 another pipeline is running on the endpoint.');
for (const cmd of operateCommands()) program.addCommand(cmd);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliError) {
    console.error(`modelship: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(`modelship: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(EXIT.infrastructure);
});
