#!/usr/bin/env bash
# Ensures a project-local MLflow (tracking server with a SQLite backend) for the MLflow registry tests:
# a Python virtual environment at ${MODELSHIP_MLFLOW_VENV:-.modelship/mlflow-venv}, pinned versions from
# PyPI. Idempotent: when the venv holds exactly the pins below it returns at once. Progress goes to stderr.
#
# Why mlflow-skinny plus a hand-picked list instead of `mlflow`: `mlflow` pulls the whole data-science
# stack (scipy, scikit-learn, matplotlib, pyarrow, docker, …: about 850 MB, over 6 minutes to install on
# 2 cores), none of which the tracking server needs. mlflow-skinny alone has no server (no Flask, no
# SQLAlchemy); the server also imports aiohttp, graphene, huey, numpy and pandas at start-up. The list
# below is `mlflow`'s own server requirements minus what the server never loads (about 360 MB).
set -euo pipefail
cd "$(dirname "$0")/.."

MLFLOW_VERSION=3.17.2
REQUIREMENTS="mlflow-skinny==$MLFLOW_VERSION
Flask==3.1.3
flask-cors==6.0.5
SQLAlchemy==2.1.9
alembic==1.20.1
graphene==3.4.3
huey==3.5.4
aiohttp==3.14.5
numpy==2.4.6
pandas==3.1.1"

venv="${MODELSHIP_MLFLOW_VENV:-.modelship/mlflow-venv}"
stamp="$venv/.modelship-requirements"
say() { printf 'modelship setup: %s\n' "$*" >&2; }

if [[ -x "$venv/bin/mlflow" && -f "$stamp" && "$(cat "$stamp")" == "$REQUIREMENTS" ]]; then exit 0; fi

py="$(command -v python3 || command -v python || true)"
if [[ -z "$py" ]] || ! "$py" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  say "MLflow $MLFLOW_VERSION needs Python >= 3.10 with the venv module (found: ${py:-no python3})."
  say "Install it (e.g. apt-get install python3 python3-venv), or point MODELSHIP_MLFLOW_VENV at a venv holding mlflow."
  exit 1
fi

# Two test runs starting at once must not build the same venv twice.
mkdir -p "$(dirname "$venv")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$venv.lock"
  flock 9
  if [[ -x "$venv/bin/mlflow" && -f "$stamp" && "$(cat "$stamp")" == "$REQUIREMENTS" ]]; then exit 0; fi
fi

started=$SECONDS
say "installing MLflow $MLFLOW_VERSION (tracking server, SQLite backend) into $venv from PyPI (about 360 MB, a few minutes)"
rm -rf "$venv"
if ! "$py" -m venv "$venv" >&2; then
  say "could not create a virtual environment at $venv with $py (on Debian/Ubuntu: apt-get install python3-venv)"
  exit 1
fi
if ! printf '%s\n' "$REQUIREMENTS" | "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r /dev/stdin >&2; then
  say "pip could not install MLflow $MLFLOW_VERSION from PyPI; see pip's message above."
  say "The MLflow registry tests need it. Fix the network/index, or point MODELSHIP_MLFLOW_VENV at a venv holding these pins."
  rm -rf "$venv"
  exit 1
fi
if ! "$venv/bin/python" -c 'import mlflow.server, flask, sqlalchemy' >&2; then
  say "MLflow was installed into $venv but its server does not import; see the error above."
  exit 1
fi
printf '%s' "$REQUIREMENTS" > "$stamp"
say "MLflow $MLFLOW_VERSION installed in $((SECONDS - started))s"
