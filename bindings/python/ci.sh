#!/usr/bin/env bash
# The Python bindings' CI: a fresh virtual environment, the pinned maturin and pytest from
# PyPI, the wheel built in release mode and installed, then pytest. The tests compare with
# the command line built from the same checkout: PACTUM_BIN, or ../../target/release/pactum
# (built here when missing).
#
# Usage: bindings/python/ci.sh   (from anywhere; PYTHON picks the interpreter, default python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

python="${PYTHON:-python3}"
venv="$here/.venv"
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
"$venv/bin/python" --version
"$venv/bin/maturin" --version

if [ -z "${PACTUM_BIN:-}" ]; then
  export PACTUM_BIN="$root/target/release/pactum"
  if [ ! -x "$PACTUM_BIN" ]; then
    (cd "$root" && cargo build --locked --release --quiet)
  fi
fi

rm -rf dist
"$venv/bin/maturin" build --release --locked --interpreter "$venv/bin/python" --out dist
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps dist/pactum-*.whl
# From another folder, so that the installed wheel is imported, not python/pactum.
cd "$here/tests"
"$venv/bin/python" -m pytest -q --rootdir "$here" -p no:cacheprovider "$here/tests"
