/**
 * `npm run build` output runs on plain node, without tsx: the compiled CLI answers --help, and the
 * compiled worker polls using the pre-built workflow bundle. The build goes to a folder of its own inside
 * the checkout (so node_modules resolves), never to lib/, which bin/modelship would pick up.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { timeWorkerStart } from '../../bench/worker-start';
import { PREBUILT_WORKFLOW_BUNDLES } from '../../src/worker';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const address = process.env.MODELSHIP_TEST_TEMPORAL_ADDRESS ?? 'localhost:7233';

describe('npm run build', () => {
  const parent = path.join(root, '.modelship', `build-test-${process.pid}`);
  const out = path.join(parent, 'lib');

  before(async () => {
    mkdirSync(parent, { recursive: true });
    await run('bash', [path.join(root, 'scripts/build.sh'), out], { cwd: root });
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('writes the compiled CLI, the emulator models and both workflow bundles', () => {
    for (const file of ['cli/main.js', 'worker.js', 'emulator/models/sagemaker', ...Object.values(PREBUILT_WORKFLOW_BUNDLES)]) {
      assert.ok(existsSync(path.join(out, file)), `${file} missing from the build`);
    }
  });

  it('runs the compiled CLI with node alone', async () => {
    const { stdout } = await run(process.execPath, [path.join(out, 'cli/main.js'), '--help'], { cwd: root });
    assert.match(stdout, /Usage: modelship/);
  });

  it('starts a compiled worker that polls with the pre-built bundle, not by bundling the sources', async () => {
    // Without the workflows' entry module, bundling at start would fail: polling proves the bundle loaded.
    rmSync(path.join(out, 'workflows', 'index.js'));
    const ms = await timeWorkerStart([path.join(out, 'cli/main.js')], address, 60_000);
    assert.ok(ms > 0);
  });
});
