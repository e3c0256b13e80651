import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program';

/** Every command of the tree, with its full name (`plan deploy`). */
function commands(cmd: Command, prefix: string[] = []): Array<[string, Command]> {
  const name = [...prefix, cmd.name()];
  return [[name.join(' '), cmd], ...cmd.commands.flatMap((c) => commands(c, name))];
}

/** The help text as `modelship <command> --help` prints it on an 80-column terminal (with the examples after it). */
function helpAt80(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 80 });
  cmd.outputHelp();
  return text;
}

const all = commands(buildProgram());

describe('CLI help texts', () => {
  it('every command and every option and argument has help text', () => {
    const missing: string[] = [];
    for (const [name, cmd] of all) {
      if (!(cmd.summary() || cmd.description())) missing.push(`${name}: no summary`);
      for (const o of cmd.options) if (!o.description) missing.push(`${name} ${o.flags}`);
      for (const a of cmd.registeredArguments) if (!a.description) missing.push(`${name} <${a.name()}>`);
    }
    assert.deepEqual(missing, []);
  });

  it('render within 80 columns', () => {
    const long = all.flatMap(([name, cmd]) =>
      helpAt80(cmd)
        .split('\n')
        .filter((l) => l.length > 80)
        .map((l) => `${name}: ${l.length}: ${l}`),
    );
    assert.deepEqual(long, []);
  });

  it('no description is hard-wrapped: commander wraps them to the terminal (paragraphs are separated by a blank line)', () => {
    const wrapped: string[] = [];
    for (const [name, cmd] of all) {
      const texts = [cmd.description(), cmd.summary(), ...cmd.options.map((o) => o.description), ...cmd.registeredArguments.map((a) => a.description)];
      for (const t of texts) if (/[^\n]\n[^\n]/.test(t ?? '')) wrapped.push(`${name}: ${JSON.stringify(t.slice(0, 60))}…`);
    }
    assert.deepEqual(wrapped, []);
  });

  it('`modelship --help | head` ends quietly with exit 0 when the reader closes the pipe early', async () => {
    const bin = path.resolve(__dirname, '../../bin/modelship');
    const child = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the reading end at once, before the CLI (seconds to start) writes a byte: its write gets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(stderr, '', 'nothing on stderr (no EPIPE stack trace)');
    assert.equal(code, 0);
  });
});
