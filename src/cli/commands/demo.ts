import { Command, Option } from 'commander';
import type { DemoFlags } from './demo-run';

export function demoCommand(): Command {
  return (
    new Command('demo')
      .summary('run the pipelines end to end on the embedded default: local Temporal + AWS emulator + worker')
      .description(
        'Starts a Temporal dev server (with its web UI), the local AWS emulator and a modelship worker in this ' +
          'process, then runs real pipelines through them: a deploy that waits for approval, a deploy of a new ' +
          'version onto the same endpoint, and a deploy of a broken model that SageMaker rolls back and ' +
          'modelship cleans up.\n\nNeeds the Temporal CLI (TEMPORAL_CLI_PATH, or `temporal` on PATH).',
      )
      .addOption(new Option('--ui-port <port>', 'Temporal web UI port').default(8233).argParser(Number))
      .option('--keep', 'keep everything running after the demo, to explore the UI and CLI (Ctrl-C to stop)')
      // The implementation (worker, dev server, emulator) loads only when the demo runs: fast --help.
      .action(async (flags: DemoFlags) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- require(), not import(): bin/modelship registers only tsx's CommonJS hook, so import() of a .ts source fails
        const { runDemo } = require('./demo-run') as typeof import('./demo-run');
        await runDemo(flags);
      })
  );
}
