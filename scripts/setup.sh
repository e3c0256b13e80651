#!/usr/bin/env bash
# Installs what modelship needs on a fresh machine: npm dependencies (exactly as locked) and the
# Temporal CLI (cached per user, outside the checkout). Safe to re-run; fast when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "modelship setup: Node.js 20 or newer is required (node not found)" >&2; exit 1
fi
node -e 'const [maj, min] = process.versions.node.split(".").map(Number); process.exit(maj > 20 || (maj === 20 && min >= 11) ? 0 : 1)' || {
  echo "modelship setup: Node.js >= 20.11 is required, found $(node --version)" >&2; exit 1
}

stamp=node_modules/.modelship-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "modelship setup: installing npm dependencies" >&2
  # `npm ci` installs exactly the committed lock and never rewrites it (the Dockerfile does the same
  # without devDependencies). The lock lists every platform's optional packages (e.g.
  # @swc/core-darwin-arm64), so it installs on any OS; test/build/lock.test.ts keeps it complete.
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

bash scripts/temporal-cli.sh
