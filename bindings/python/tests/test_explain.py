"""`Engine.explain` gives `pactum explain --format json`, and its human text."""

import pytest

import pactum
from conftest import AS_OF, ROOT, cli_json, rel, run_cli

CASES = [
    ("caspian-shield.proposal", "ex1", None),
    ("caspian-shield.json", "ex1", "caspian.non_littoral_forces"),
    ("trans-caspian-transit.proposal", "f1", None),
    ("uzbekistan-base.proposal", "b1", "uzbekistan.non_alignment"),
]


def step_ids(path):
    import json

    return [s["id"] for s in json.loads(path.with_suffix(".json").read_text())["steps"]]


@pytest.mark.parametrize("file, step, rule", CASES)
def test_explain_matches_the_cli(engine, file, step, rule):
    path = ROOT / "policies" / "examples" / file
    if step not in step_ids(path):
        step = step_ids(path)[0]
    args = ["explain", "--as-of", AS_OF, "--step", step, rel(path)]
    if rule:
        args += ["--rule", rule]
    expected = cli_json(*args, "--format", "json")
    human = run_cli(*args).stdout
    why = engine.explain(path.read_text(), step, rule=rule, as_of=AS_OF, name=rel(path))
    text = why.pop("text")
    assert why == expected
    assert text == human


def test_explain_unknown_step_and_rule_raise(engine):
    text = (ROOT / "policies" / "examples" / "caspian-shield.proposal").read_text()
    with pytest.raises(pactum.PactumError) as info:
        engine.explain(text, "ex2", as_of=AS_OF)
    assert info.value.code == "pactum::explain::unknown_step"
    assert info.value.help == "did you mean `ex1`?"
    assert (info.value.file, info.value.line) == ("<input>.proposal", 9)
    with pytest.raises(pactum.PactumError) as info:
        engine.explain(text, "ex1", rule="caspian.non_littoral_force", as_of=AS_OF)
    assert info.value.code == "pactum::explain::unknown_rule"
