#!/usr/bin/env bash
# The Python bindings' CI: a fresh virtual environment, the pinned maturin and pytest from
# PyPI, the wheel built in release mode and installed, then pytest. The tests compare with
# the command line built from the same checkout: PACTUM_BIN, or ../../target/release/pactum
# (built here, from the same checkout).
#
# Usage: bindings/python/ci.sh   (from anywhere; PYTHON picks the interpreter, default python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

echo "== bindings/python: format and lint (the crate's standards)"
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings

echo "== bindings/python: the wheel, in a fresh virtual environment"
python="${PYTHON:-python3}"
venv="$here/.venv"
"$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
"$venv/bin/python" --version
"$venv/bin/maturin" --version

if [ -z "${PACTUM_BIN:-}" ]; then
  # The command line of this checkout (a no-op when it is up to date).
  (cd "$root" && cargo build --locked --release --quiet)
  export PACTUM_BIN="$root/target/release/pactum"
fi

rm -rf dist
"$venv/bin/maturin" build --release --locked --interpreter "$venv/bin/python" --out dist
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps dist/pactum-*.whl
echo "== bindings/python: pytest"
# From the tests' folder, so that the installed wheel is imported, not python/pactum.
cd "$here/tests"
"$venv/bin/python" -m pytest -q --rootdir "$here" -p no:cacheprovider "$here/tests"

echo "== docs/python.md: the walkthrough, as doctests (from the repository's root)"
cd "$root"
"$venv/bin/python" -m pytest -q -p no:cacheprovider --doctest-glob=python.md docs/python.md
