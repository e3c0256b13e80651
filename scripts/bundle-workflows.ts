/**
 * Writes the pre-built workflow bundles into the compiled output folder (argument, default lib/), under
 * the names createWorker looks for: one with the SDK's failure converter, one with the encrypting one
 * (a bundle carries the failure converter into the workflow sandbox). Run by scripts/build.sh.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/codec/data-converter';
import { PREBUILT_WORKFLOW_BUNDLES } from '../src/worker';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'lib');
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
  const workflowsPath = require.resolve('../src/workflows');
  const variants = [
    { file: PREBUILT_WORKFLOW_BUNDLES.plain, failureConverterPath: undefined },
    { file: PREBUILT_WORKFLOW_BUNDLES.encodedFailures, failureConverterPath: FAILURE_CONVERTER_PATH },
  ];
  for (const { file, failureConverterPath } of variants) {
    const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger });
    writeFileSync(path.join(out, file), code);
    console.error(`modelship build: ${path.join(path.basename(out), file)} (${Math.round(code.length / 1024)} KiB)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
