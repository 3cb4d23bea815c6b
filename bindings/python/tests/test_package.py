"""The package: its stubs name exactly what the module has, and it is typed."""

import ast
import importlib.util
from pathlib import Path

import pactum

STUB = Path(__file__).resolve().parents[1] / "python" / "pactum" / "__init__.pyi"


def stub():
    return ast.parse(STUB.read_text())


def test_the_stubs_name_every_method_of_engine():
    engine = next(n for n in stub().body if isinstance(n, ast.ClassDef) and n.name == "Engine")
    in_stub = {n.name for n in engine.body if isinstance(n, ast.FunctionDef)}
    public = {n for n in dir(pactum.Engine) if not n.startswith("_")}
    assert in_stub == public


def test_the_stubs_name_every_export():
    names = set()
    for node in stub().body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    assert set(pactum.__all__) <= names


def test_the_installed_package_is_typed_and_documented():
    origin = Path(importlib.util.find_spec("pactum").origin).parent
    assert (origin / "py.typed").exists() and (origin / "__init__.pyi").exists()
    assert pactum.Engine.check.__doc__ and pactum.PactumError.__doc__
    assert issubclass(pactum.PactumError, Exception)
    assert pactum.MAX_FIXES == 3
