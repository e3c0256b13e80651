import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

/**
 * The version in modelship's package.json, found by walking up from this module: the sources
 * (src/cli), the build (lib/cli) and a build written elsewhere sit at different depths below it.
 */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'modelship' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
/** The whole `modelship` command tree, configured to throw instead of exiting (see configure). */
export function buildProgram(): Command {
  const program = new Command('modelship')
    .version(packageVersion(), '-V, --version', 'print the modelship version')
    // Root options only before the subcommand: `canary --version 8` is the canary's own --version.
    .enablePositionalOptions()
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
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 pipeline failed (rolled back), 2 invalid input or usage,\n' +
        '3 infrastructure error, 4 rollback incomplete (operator needed),\n' +
        '5 another pipeline is running on the endpoint.',
    );
  for (const cmd of operateCommands()) program.addCommand(cmd);
  configure(program);
  return program;
}

/**
 * Every command, however deep, throws instead of exiting (exitOverride) so the exit codes keep the
 * README's promise: help and --version exit 0 with their text on stdout, a usage error (unknown option,
 * missing argument, bad value) exits 2 with the command's help after the message.
 */
function configure(cmd: Command): void {
  // Descriptions are written as paragraphs and wrapped by commander to the terminal; without a lower
  // minimum it leaves them unwrapped when the command or option names take half of an 80-column line.
  // Subcommands are listed by name and arguments (not `[options]`): a narrow term column leaves the
  // summaries room on an 80-column terminal.
  cmd.configureHelp({
    minWidthToWrap: 24,
    subcommandTerm: (sub) =>
      [sub.name(), ...sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? '...' : ''}]`))].join(' '),
  });
  cmd
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  for (const sub of cmd.commands) configure(sub);
}
