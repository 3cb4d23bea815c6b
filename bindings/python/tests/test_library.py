"""lint, rules, schema, json_schema, sources: the library as data, as the command line
gives it."""

import json

from conftest import ROOT, cli_json, run_cli

import pactum


def test_lint_matches_the_cli(engine):
    expected = cli_json("lint", "--format", "json")["libraries"][0]["findings"]
    assert engine.lint() == expected


def test_lint_of_a_loaded_library_matches_the_cli():
    engine = pactum.Engine.load(ROOT / "policies")
    expected = cli_json("lint", "--format", "json", "policies")["libraries"][0]["findings"]
    assert engine.lint() == expected


def test_lint_finds_a_missing_cite(tmp_path):
    (tmp_path / "a.policy").write_text(
        'entity State {}\nfact a: State {}\nstep visit { by: State }\n'
        'rule visit.any {\n  severity warning\n  on visit as v\n  forbid v.by == a\n  message "a visits"\n  help "do not"\n}\n'
    )
    findings = pactum.Engine.load(tmp_path).lint()
    assert any(f["lint"] == "missing-cite" and f["code"] == "pactum::lint::missing_cite" for f in findings)
    expected = cli_json("lint", "--format", "json", str(tmp_path))["libraries"][0]["findings"]
    assert findings == expected


def test_rules(engine):
    rules = engine.rules()
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and "caspian.non_littoral_forces" in ids
    caspian = next(r for r in rules if r["id"] == "caspian.non_littoral_forces")
    assert caspian["severity"] == "error" and caspian["cite"]
    assert caspian["location"]["file"] == "<std>/caspian.policy"
    assert not caspian["proposal_wide"]


def test_schema(engine):
    kinds = {k["name"]: k for k in engine.schema()["kinds"]}
    assert "transit_flight" in kinds
    attributes = {a["name"] for a in kinds["transit_flight"]["attributes"]}
    assert {"operator", "route", "cargo", "permits"} <= attributes


def test_json_schema_matches_the_cli(engine):
    assert engine.json_schema() == json.loads(run_cli("schema", "--json-schema").stdout)


def test_sources_and_repr(engine):
    assert any(s.endswith("caspian.policy") for s in engine.sources())
    assert repr(engine).startswith("Engine(<std>: ")
