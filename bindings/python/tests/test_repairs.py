"""`Engine.repairs`: every violation's repairs, as `--fixes` gives them, with the repaired
text; each repaired text, checked again, no longer has the violation."""

import pytest

from conftest import AS_OF, EXAMPLES, cli_json, rel


def key(v):
    return (v["rule"], v["step"], v.get("binding"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_repairs_match_the_cli_and_work(engine, path):
    text = path.read_text()
    cli = cli_json("check", "--format", "json", "--fixes", "--as-of", AS_OF, rel(path))["results"][0]
    repairs = engine.repairs(text, as_of=AS_OF, name=rel(path))
    assert [key(r) for r in repairs] == [key(v) for v in cli["violations"]]
    for r, v in zip(repairs, cli["violations"]):
        assert r["message"] == v["message"] and r["location"] == v["location"]
        assert [{"description": f["description"], "edits": f["edits"]} for f in r["fixes"]] == v["fixes"]
        for fix in r["fixes"]:
            fixed = fix["text"]
            assert fixed is not None and fixed != text
            after = engine.check(fixed, as_of=AS_OF, name=rel(path))
            assert after["errors"] == []
            assert key(r) not in {key(w) for w in after["violations"]}, fix["description"]


def test_a_compliant_proposal_has_no_repairs(engine):
    text = "proposal p { date: 2026-09-15 }\nstep t1: training { parties: [turkey], host: turkey }\n"
    assert engine.repairs(text, as_of=AS_OF) == []


def test_the_api_example(engine):
    text = "proposal p { date: 2026-09-15 }\nstep ex1: exercise { participants: [russia, turkey], area: caspian_sea }\n"
    first = engine.repairs(text, as_of=AS_OF)[0]
    assert first["rule"] == "caspian.non_littoral_forces" and first["binding"] == "turkey"
    assert first["fixes"][0]["description"] == "remove `turkey` from `participants`"
    assert "participants: [russia]" in first["fixes"][0]["text"]
