/**
 * Runs the test suite against ONE real Temporal dev server for the whole run: started here on a free
 * port with a throwaway SQLite file and modelship's search attributes, shared with every test file
 * through MODELSHIP_TEST_TEMPORAL_ADDRESS, and stopped at the end. Tests use Node's built-in runner,
 * whose summary (`# pass N` / `# fail N`) CI reads.
 *
 * Usage: tsx scripts/run-tests.ts [test files or folders...]   (default: everything under test/)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../src/dev-server';

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
  const server = await startDevServer({ cliPath, dbFilename: path.join(dir, 'temporal.db') });
  console.log(`# temporal dev server ${server.address} (pid ${server.process.pid}), ${files.length} test files`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-timeout=300000', ...files],
    { stdio: 'inherit', env: {
      ...process.env,
      MODELSHIP_TEST_TEMPORAL_ADDRESS: server.address,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', // see bin/modelship
    }, }
  );
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
