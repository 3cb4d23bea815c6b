"""Shared fixtures: the engine, the repository, and the `pactum` command line built from the
same checkout (PACTUM_BIN, or ../../target/release/pactum), whose JSON the bindings must
reproduce."""

import json
import os
import subprocess
from pathlib import Path

import pytest

import pactum

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "policies" / "examples").iterdir())
# Every comparison with the command line passes the same date (the default, today, would make
# the tests depend on the day they run).
AS_OF = "2026-11-29"


def pactum_bin() -> str:
    path = os.environ.get("PACTUM_BIN") or str(ROOT / "target" / "release" / "pactum")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no pactum binary at {path}: build it (cargo build --release) or set PACTUM_BIN")
    return path


def run_cli(*args: str, expect=(0, 1, 2)) -> subprocess.CompletedProcess:
    """Runs `pactum ARGS` in the repository root (so file names are the relative paths the
    bindings are given), with colour off."""
    env = dict(os.environ, NO_COLOR="1")
    done = subprocess.run(
        [pactum_bin(), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode in expect, done.stderr
    return done


def cli_json(*args: str, expect=(0, 1, 2)):
    return json.loads(run_cli(*args, expect=expect).stdout)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="session")
def engine() -> pactum.Engine:
    return pactum.Engine.standard()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
