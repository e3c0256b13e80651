#!/usr/bin/env bash
# The test command: setup, lint (eslint.config.mjs), format check (Prettier), type check, then every test against one real Temporal
# dev server and the local AWS emulator. Extra arguments select test files or folders (default: all of test/).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_PATH="$(bash scripts/setup.sh)"
export TEMPORAL_CLI_PATH
echo "# lint" >&2
npx eslint .
echo "# format" >&2
npm run --silent format:check || { echo 'formatting differs from Prettier (print width 160): run `npm run format`' >&2; exit 1; }
bash scripts/mlflow.sh  # the MLflow tracking server the MLflow registry tests start (project-local venv; instant when present)
echo "# type check" >&2
npx tsc --noEmit -p .
exec npx tsx scripts/run-tests.ts "$@"
