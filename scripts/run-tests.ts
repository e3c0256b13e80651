/**
 * Runs the test suite against ONE real Temporal dev server for the whole run: started here on a free
 * port with a throwaway SQLite file and modelship's search attributes, shared with every test file
 * through MODELSHIP_TEST_TEMPORAL_ADDRESS, and stopped at the end. Tests use Node's built-in runner,
 * whose summary (`# pass N` / `# fail N`) CI reads.
 *
 * Every emulator the tests start records its responses (MODELSHIP_EMULATOR_RECORD_DIR); after the suite,
 * each recorded response and error is checked against AWS's service models (test/conformance), and a
 * deviation fails the run.
 *
 * Usage: tsx scripts/run-tests.ts [test files or folders...]   (default: everything under test/)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../src/dev-server';
import { readRecordings, RECORD_DIR_ENV } from '../src/emulator/recorder';
import { BOTOCORE_VERSION } from '../src/emulator/service-models';
import { checkResponses } from '../test/conformance/responses';
import { SHARED_BUNDLE_ENV, writeWorkflowBundle } from '../test/support/temporal';

function testFiles(roots: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const entry of readdirSync(p).sort()) walk(path.join(p, entry));
    else if (p.endsWith('.test.ts')) out.push(p);
  };
  roots.forEach(walk);
  return out;
}

async function main() {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run the tests with `npm test`, which installs the CLI');
  const files = testFiles(process.argv.length > 2 ? process.argv.slice(2) : ['test']);
  const dir = mkdtempSync(path.join(tmpdir(), 'modelship-test-'));
  const recordDir = path.join(dir, 'responses');
  const server = await startDevServer({ cliPath, dbFilename: path.join(dir, 'temporal.db') });
  console.log(`# temporal dev server ${server.address} (pid ${server.process.pid}), ${files.length} test files`);
  // Every test file is a process of its own: bundle the workflow code once for all of them.
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundleFile);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-timeout=300000',
      // TAP on stdout, as CI reads it; each file's wall time on stderr at the end.
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      `--test-reporter=${path.join(__dirname, 'test-file-times.mjs')}`,
      '--test-reporter-destination=stderr',
      ...files,
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        MODELSHIP_TEST_TEMPORAL_ADDRESS: server.address,
        [RECORD_DIR_ENV]: recordDir,
        [SHARED_BUNDLE_ENV]: bundleFile,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', // see bin/modelship
      },
    },
  );
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await server.stop();
  const conforms = checkRecordedResponses(recordDir);
  rmSync(dir, { recursive: true, force: true });
  process.exit(code !== 0 ? code : conforms ? 0 : 1);
}

/** Prints the whole-suite response check, TAP-style, and says whether every response conformed. */
function checkRecordedResponses(recordDir: string): boolean {
  const started = Date.now();
  const entries = readRecordings(recordDir);
  const { counts, problems } = checkResponses(entries);
  console.log(
    `# conformance: ${entries.length} emulator responses of ${counts.size} operations recorded during the suite, checked against botocore ${BOTOCORE_VERSION} in ${Date.now() - started} ms`,
  );
  if (problems.length === 0) {
    console.log('ok - every recorded emulator response and error conforms to the AWS service models');
    return true;
  }
  console.log(`not ok - ${problems.length} deviations between recorded emulator responses and the AWS service models`);
  for (const problem of problems) console.log(`#   ${problem}`);
  return false;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
