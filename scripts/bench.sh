#!/usr/bin/env bash
# Benchmarks that print figures (docs/benchmarks.md): setup, then bench/run.ts against one real Temporal
# dev server, the local AWS emulator and one modelship worker. `--quick` runs in a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_PATH="$(bash scripts/setup.sh)"
export TEMPORAL_CLI_PATH
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec npx tsx bench/run.ts "$@"
