import { CommanderError } from 'commander';
import { CliError, EXIT } from './exit-codes';
import { buildProgram } from './program';

buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // commander has printed the message (and help) already.
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput);
  }
  if (err instanceof CliError) {
    console.error(`modelship: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(`modelship: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(EXIT.infrastructure);
});
