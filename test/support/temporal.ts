/**
 * The one place that decides how tests reach Temporal: the dev server started by scripts/run-tests.ts
 * when MODELSHIP_TEST_TEMPORAL_ADDRESS is set (the normal `npm test` path), otherwise a dev server of
 * our own launched by the SDK from the installed CLI (`existing-path`), so a single file can run alone.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const repoRoot = path.resolve(__dirname, '../..');

export function temporalCliPath(): string {
  return (
    process.env.TEMPORAL_CLI_PATH ??
    execFileSync('bash', [path.join(repoRoot, 'scripts/temporal-cli.sh')], { encoding: 'utf8' }).trim()
  );
}

export async function createTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.MODELSHIP_TEST_TEMPORAL_ADDRESS;
  if (address) return TestWorkflowEnvironment.createFromExistingServer({ address });
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Workflow code bundled once per test process (webpack takes seconds; every worker reuses it). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  return bundle;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
