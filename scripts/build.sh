#!/usr/bin/env bash
# `npm run build`: the production worker and CLI as JavaScript, so nothing compiles at start.
#   1. tsc compiles src/ to lib/ (or the folder given as the first argument);
#   2. the emulator's service models (data files) are copied beside its compiled code;
#   3. the workflow code is bundled once (bundleWorkflowCode) into lib/workflow-bundle*.js, which
#      createWorker loads (workflowBundle) instead of bundling at every start.
# Development and tests keep running the TypeScript sources (tsx) and bundle at start.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-lib}"
rm -rf "$out"
npx tsc -p tsconfig.build.json --outDir "$out"
cp -R src/emulator/models "$out/emulator/models"
npx tsx scripts/bundle-workflows.ts "$out"
