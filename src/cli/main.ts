import { CommanderError } from 'commander';
import { CliError, EXIT } from './exit-codes';
import { buildProgram } from './program';

// `modelship … | head` closes the pipe before the output ends: the reader has what it wanted, so stop
// quietly and successfully instead of crashing on the unhandled EPIPE write error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
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
