import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as workflows from '../../src/workflows';
import { WORKFLOW_TYPES } from '../../src/workflows/messages';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Loads `modules` in a fresh Node process (with `argv` as the command line, for an entry point that reads
 * it) and returns which heavy packages were loaded when the process exited.
 */
function heavyModulesLoadedBy(modules: string[], argv: string[] = []): string[] {
  const script = `
    require('tsx/cjs');
    process.argv = [process.argv[0], 'modelship', ...${JSON.stringify(argv)}];
    process.on('exit', () => {
      const heavy = Object.keys(require.cache)
        .map((k) => k.split(require('path').sep).join('/'))
        .map((k) => (k.match(/node_modules\\/(@temporalio\\/worker|@aws-sdk\\/client-[a-z-]+)\\//) || k.match(/\\/(src\\/activities\\/[^/]+)$/) || [])[1])
        .filter(Boolean);
      require('fs').writeSync(1, '\\n' + JSON.stringify([...new Set(heavy)]));
    });
    for (const m of ${JSON.stringify(modules)}) require(require('path').resolve(${JSON.stringify(ROOT)}, m));
  `;
  // An entry point exits by itself (main.ts after --help): the list is the last line, written on exit.
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const last = run.stdout.trim().split('\n').pop();
  assert.ok(last, run.stderr);
  return JSON.parse(last) as string[];
}

describe('workflow messages module', () => {
  it('names every workflow the worker registers, by its function name', () => {
    const exported = Object.keys(workflows).sort();
    assert.deepEqual(Object.values(WORKFLOW_TYPES).sort(), exported);
    for (const name of Object.values(WORKFLOW_TYPES)) assert.equal((workflows as Record<string, { name: string }>)[name].name, name);
  });

  it('loads neither the Temporal worker nor an AWS client nor the activities', () => {
    assert.deepEqual(heavyModulesLoadedBy(['src/workflows/messages.ts']), []);
  });

  it('is all the pipeline and operator commands load: no worker, no AWS client', () => {
    const commands = ['deploy', 'canary', 'update', 'delete', 'plan', 'operate', 'schedule'].map((c) => `src/cli/commands/${c}.ts`);
    assert.deepEqual(heavyModulesLoadedBy(commands), []);
  });

  it('is all the CLI itself (program, main) loads: the worker and demo commands load theirs only when they run', () => {
    // Only the worker command's --registry choices, from a module that loads no client.
    const light = ['src/activities/mlflow-registry.ts'];
    assert.deepEqual(heavyModulesLoadedBy(['src/cli/program.ts']), light);
    assert.deepEqual(heavyModulesLoadedBy(['src/cli/main.ts'], ['status', '--help']), light);
  });
});
