#!/usr/bin/env bash
# The main job on the embedded default: installs what is missing, then runs real pipelines through a
# local Temporal dev server (with web UI), the local AWS emulator and a modelship worker.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_PATH="$(bash scripts/setup.sh)"
export TEMPORAL_CLI_PATH
exec node bin/modelship demo "$@"
