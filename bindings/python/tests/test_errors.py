"""Bad input is reported as the command line reports it; bad arguments and bad libraries
raise `PactumError` with the diagnostic's code and location."""

import json
import math

import pytest

import pactum
from conftest import AS_OF, cli_json


BAD = {
    "syntax.proposal": ("proposal p {\n  date: 2026-09-15\n", "pactum::parse::proposal_syntax"),
    "kind.proposal": ("proposal p {}\nstep s1: exercize { participants: [turkey] }\n", "pactum::proposal::unknown_kind"),
    "entity.proposal": (
        "proposal p {}\nstep t1: training { parties: [turkye], host: turkey }\n",
        "pactum::proposal::unknown_entity",
    ),
    "date.proposal": ("proposal p { date: 2026-02-30 }\n", "pactum::parse::invalid_date"),
    "json.json": ('{"id": "p", "steps": [}', "pactum::parse::json_syntax"),
    "key.json": ('{"id": "p", "steps": [], "titel": "x"}', "pactum::parse::json_shape"),
    "missing.json": (
        '{"id": "p", "steps": [{"id": "t1", "kind": "training", "parties": ["turkey"]}]}',
        "pactum::proposal::missing_attribute",
    ),
}


@pytest.mark.parametrize("file", sorted(BAD), ids=str)
def test_bad_input_is_reported_as_the_cli_reports_it(engine, tmp_path, file):
    text, code = BAD[file]
    path = tmp_path / file
    path.write_text(text)
    expected = cli_json("check", "--format", "json", "--as-of", AS_OF, str(path), expect=(2,))
    got = engine.check(text, as_of=AS_OF, name=str(path))
    assert [got] == expected["results"]
    assert got["compliant"] is False
    assert got["errors"][0]["code"] == code
    assert got["errors"][0]["location"]["file"] == str(path)


def test_explain_and_repairs_raise_on_bad_input(engine):
    text, code = BAD["entity.proposal"]
    for call in (lambda: engine.explain(text, "t1", as_of=AS_OF), lambda: engine.repairs(text, as_of=AS_OF)):
        with pytest.raises(pactum.PactumError) as info:
            call()
        err = info.value
        assert (err.code, err.file, err.line, err.column) == (code, "<input>.proposal", 2, 31)
        assert err.help == "did you mean `turkey`?"
        assert err.diagnostics[0]["code"] == code
        assert "turkye" in err.text
    text, code = BAD["syntax.proposal"]
    with pytest.raises(pactum.PactumError) as info:
        engine.explain(text, "t1", as_of=AS_OF)
    assert info.value.code == code


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda e: e.check("proposal p {}", as_of="2026-02-30"), "`as_of` `2026-02-30` is not a date"),
        (lambda e: e.check("proposal p {}", as_of="tomorrow"), "`as_of` `tomorrow` is not a date"),
        (lambda e: e.check("proposal p {}", as_of=20260915), "`as_of` is not a date"),
        (lambda e: e.check(42), "a proposal is a str or a dict, not int"),
        (lambda e: e.check(b"proposal p {}"), "a proposal is a str or a dict, not bytes"),
        (lambda e: e.check({"id": "p", "steps": [], "x": {1, 2}}), "the dict is not JSON"),
        (lambda e: e.check({"id": "p", "steps": [], "x": math.nan}), "the dict is not JSON"),
        (lambda e: e.check({"id": "p", "steps": []}, name="p.proposal"), "a dict is a proposal's JSON form"),
        (lambda e: e.check("proposal p {}", fixes=4), "`fixes` is 4, more than 3"),
    ],
)
def test_bad_arguments_raise_usage_errors(engine, call, message):
    with pytest.raises(pactum.PactumError) as info:
        call(engine)
    err = info.value
    assert err.code == "pactum::usage"
    assert err.message.startswith(message)
    assert err.help
    assert (err.file, err.line, err.column) == (None, None, None)
    assert err.diagnostics == [
        {
            "lint": None,
            "code": "pactum::usage",
            "severity": "error",
            "message": err.message,
            "help": err.help,
            "notes": [],
            "location": None,
            "related": [],
        }
    ]
    assert str(err).endswith("[pactum::usage]")


def test_a_library_that_does_not_compile_raises_with_every_diagnostic(tmp_path):
    (tmp_path / "a.policy").write_text("entity State {}\nfact a: State {}\n")
    (tmp_path / "bad.policy").write_text("entity Org {}\n\nrule r {\n  severity fatal\n}\n")
    with pytest.raises(pactum.PactumError) as info:
        pactum.Engine.load(tmp_path)
    err = info.value
    # The command line's findings for the same folder, in the same form.
    lint = cli_json("lint", "--format", "json", str(tmp_path), expect=(2,))
    assert err.diagnostics == lint["libraries"][0]["findings"]
    first = err.diagnostics[0]
    assert err.code == first["code"] and err.code.startswith("pactum::")
    assert (err.file, err.line, err.column) == (
        first["location"]["file"],
        first["location"]["line"],
        first["location"]["column"],
    )
    assert (err.file, err.line, err.column) == (str(tmp_path / "bad.policy"), 3, 6)
    assert err.message == first["message"] and err.help == first["help"]
    assert str(err).startswith(f"{err.file}:{err.line}:{err.column}: ")
    # And `pactum check --policies` reports the same codes and places.
    check = cli_json("check", "--format", "json", "--policies", str(tmp_path), "x.proposal", expect=(2,))
    assert [(e["code"], e["location"]) for e in check["results"][0]["errors"]] == [
        (d["code"], d["location"]) for d in err.diagnostics
    ]


def test_a_missing_library_raises_an_io_error(tmp_path):
    with pytest.raises(pactum.PactumError) as info:
        pactum.Engine.load(tmp_path / "nowhere")
    assert info.value.code == "pactum::io"
    assert "nowhere" in info.value.message and info.value.file is None


def test_a_file_is_not_a_library(tmp_path):
    (tmp_path / "a.policy").write_text("entity State {}\n")
    with pytest.raises(pactum.PactumError) as info:
        pactum.Engine.load(tmp_path / "a.policy")
    assert info.value.code == "pactum::load::path"


def test_control_characters_never_reach_the_message_unescaped(engine):
    with pytest.raises(pactum.PactumError) as info:
        engine.check("proposal p {}", as_of="\x1b[31mred")
    assert "\x1b" not in str(info.value)
    assert "\\u{1b}" in str(info.value)
