"""`Engine.check` gives exactly the command line's JSON report, per file."""

import json

import pytest

import pactum
from conftest import AS_OF, EXAMPLES, ROOT, cli_json, rel


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_matches_the_cli(engine, path):
    expected = cli_json("check", "--format", "json", "--as-of", AS_OF, rel(path))["results"]
    got = engine.check(path.read_text(), as_of=AS_OF, name=rel(path))
    assert [got] == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_with_fixes_matches_the_cli(engine, path):
    cli = cli_json("check", "--format", "json", "--fixes", "--as-of", AS_OF, rel(path))
    got = engine.check(path.read_text(), as_of=AS_OF, fixes=pactum.MAX_FIXES, name=rel(path))
    assert [got] == cli["results"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_deny_warnings_matches_the_cli(engine, path):
    cli = cli_json("check", "--format", "json", "--deny", "warnings", "--as-of", AS_OF, rel(path))
    got = engine.check(path.read_text(), as_of=AS_OF, name=rel(path), deny_warnings=True)
    assert [got] == cli["results"]


@pytest.mark.parametrize("as_of", ["2020-01-01", "2026-09-15", "2031-06-30"])
def test_dates_match_the_cli(engine, as_of):
    path = ROOT / "policies" / "examples" / "uzbekistan-over-time.proposal"
    expected = cli_json("check", "--format", "json", "--as-of", as_of, rel(path))["results"]
    assert [engine.check(path.read_text(), as_of=as_of, name=rel(path))] == expected


def test_as_of_accepts_a_date(engine):
    import datetime

    text = (ROOT / "policies" / "examples" / "uzbekistan-over-time.proposal").read_text()
    assert engine.check(text, as_of=datetime.date(2026, 11, 29)) == engine.check(text, as_of=AS_OF)


def test_as_of_defaults_to_today_as_the_cli(engine):
    path = ROOT / "policies" / "examples" / "caspian-shield.proposal"
    expected = cli_json("check", "--format", "json", rel(path))["results"]
    assert [engine.check(path.read_text(), name=rel(path))] == expected


def verdict(report):
    """What a report says, without where (a dict's JSON text has its own line numbers)."""
    return (
        report["proposal"],
        report["compliant"],
        [
            {k: v for k, v in violation.items() if k != "location"}
            for violation in report["violations"]
        ],
        [(e["code"], e["message"]) for e in report["errors"]],
    )


@pytest.mark.parametrize(
    "stem", sorted({p.stem for p in EXAMPLES}), ids=str
)
def test_dict_json_and_text_inputs_agree(engine, stem):
    base = ROOT / "policies" / "examples" / stem
    text = (base.with_suffix(".proposal")).read_text()
    json_text = (base.with_suffix(".json")).read_text()
    as_dict = json.loads(json_text)
    from_text = engine.check(text, as_of=AS_OF)
    from_json = engine.check(json_text, as_of=AS_OF)
    from_dict = engine.check(as_dict, as_of=AS_OF)
    assert from_text["file"] == "<input>.proposal"
    assert from_json["file"] == from_dict["file"] == "<input>.json"
    assert verdict(from_text) == verdict(from_json) == verdict(from_dict)
    # With fixes too (descriptions; the edits are of each form's own text).
    fixes = [
        [[f["description"] for f in v["fixes"]] for v in engine.check(p, as_of=AS_OF, fixes=3)["violations"]]
        for p in (text, json_text, as_dict)
    ]
    assert fixes[0] == fixes[1] == fixes[2]


def test_a_json_string_is_told_from_the_text_form(engine):
    assert engine.check('  {"id": "p", "steps": []}', as_of=AS_OF)["proposal"] == "p"
    assert engine.check("proposal p {}\n", as_of=AS_OF)["proposal"] == "p"
    # With a name, its extension decides, as for files.
    report = engine.check('{"id": "p", "steps": []}', as_of=AS_OF, name="p.proposal")
    assert report["errors"][0]["code"] == "pactum::parse::proposal_syntax"
