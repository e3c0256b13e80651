/**
 * The one place that decides how tests reach Temporal: the dev server started by scripts/run-tests.ts
 * when MODELSHIP_TEST_TEMPORAL_ADDRESS is set (the normal `npm test` path), otherwise a dev server of
 * our own launched by the SDK from the installed CLI (`existing-path`), so a single file can run alone.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';

const repoRoot = path.resolve(__dirname, '../..');

export function temporalCliPath(): string {
  return process.env.TEMPORAL_CLI_PATH ?? execFileSync('bash', [path.join(repoRoot, 'scripts/temporal-cli.sh')], { encoding: 'utf8' }).trim();
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

/** Where scripts/run-tests.ts wrote the workflow code it bundled once for the whole run. */
export const SHARED_BUNDLE_ENV = 'MODELSHIP_TEST_SHARED_WORKFLOW_BUNDLE';

/**
 * Workflow code bundled once per run (scripts/run-tests.ts, SHARED_BUNDLE_ENV), else once per test process:
 * webpack takes seconds, and every test file is a process of its own.
 */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const shared = process.env[SHARED_BUNDLE_ENV];
  bundle ??= shared
    ? Promise.resolve({ code: readFileSync(shared, 'utf8'), sourceMap: '' })
    : bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger });
  return bundle;
}

/** Bundles the workflow code into `file`, for SHARED_BUNDLE_ENV. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  writeFileSync(file, (await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger })).code);
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
