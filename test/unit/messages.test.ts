import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as workflows from '../../src/workflows';
import { WORKFLOW_TYPES } from '../../src/workflows/messages';

const ROOT = path.resolve(__dirname, '../..');

/** Loads `modules` in a fresh Node process and returns which heavy packages they pulled in. */
function heavyModulesLoadedBy(modules: string[]): string[] {
  const script = `
    require('tsx/cjs');
    for (const m of ${JSON.stringify(modules)}) require(require('path').resolve(${JSON.stringify(ROOT)}, m));
    const heavy = Object.keys(require.cache)
      .map((k) => k.split(require('path').sep).join('/'))
      .map((k) => (k.match(/node_modules\\/(@temporalio\\/worker|@aws-sdk\\/client-[a-z-]+)\\//) || k.match(/\\/(src\\/activities)\\//) || [])[1])
      .filter(Boolean);
    process.stdout.write(JSON.stringify([...new Set(heavy)]));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
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
});
