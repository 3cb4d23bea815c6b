//! The small libraries of issue 12, through the binary: the ones the old solver hung on or
//! answered wrongly; and issue 13's reads that can fail (`may-error`). Each folder of tests/corpus/lint-cases/ shares one schema (a step
//! kind with ten unused bools, ints, optional dates, nested organisations: CSTO's members
//! are all CIS's) and has one rule file; the test lists what each must report (the
//! `unused-entity` findings of organisations a case does not use aside).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly"
)]

mod common;

fn findings(case: &str) -> Vec<(String, String)> {
    let out = common::pactum(&[
        "lint",
        "--format",
        "json",
        &format!("tests/corpus/lint-cases/{case}"),
    ]);
    let json = common::json(&out);
    let lib = &json["libraries"][0];
    assert!(
        lib["not_analysed"].as_array().is_none_or(|a| a.is_empty()),
        "{case}: {lib:#}"
    );
    let mut v: Vec<(String, String)> = lib["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let msg = f["message"].as_str().unwrap_or("");
            let id = msg.split('`').nth(1).unwrap_or("").to_string();
            (f["lint"].as_str().unwrap_or("").to_string(), id)
        })
        .filter(|(l, _)| l != "unused-entity")
        .collect();
    v.sort();
    v
}

#[test]
fn the_cases_of_issue_12_are_decided_right() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        // as_of < 2021-01-01 && as_of > 2022-06-01 (hung)
        ("window", &[("rule-never-fires", "window.dates")]),
        // as_of > 2021-01-01 covered by as_of >= 2020-06-01 (hung)
        ("threshold", &[("redundant-rule", "t.after2021")]),
        // CSTO's members are CIS's (hung)
        ("nested", &[("redundant-rule", "n.csto")]),
        // ordered < delivered < s.date < 2020-01-01 (falsely "can never fire")
        ("chain", &[]),
        // floor > 100, offer > floor, cap > offer (falsely "can never fire")
        ("ints", &[]),
        // s.date > 9999-12-31 (missed)
        ("dateend", &[("rule-never-fires", "date.end")]),
        // a host in CSTO but not in CIS
        ("hostops", &[("rule-never-fires", "host.ops")]),
        // when s.n > 5 forbid s.n > 3 (missed)
        ("alwayswhen", &[("rule-always-fires", "always.when")]),
        // unless p in csto.members, then unless p == russia (missed)
        ("shadow", &[("unless-never-applies", "shadow.unless")]),
        // twenty nested `any`
        ("nestany", &[]),
        // issue 13: reads of optional attributes that can fail (a message where the rule
        // fires only without the attribute, an unguarded condition), and guarded controls
        // (`has`, `when`, `||`, `if`, `match`, an exception, defaults)
        (
            "mayerror",
            &[("may-error", "may.cond"), ("may-error", "may.message")],
        ),
    ];
    for (case, want) in cases {
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(l, r)| (l.to_string(), r.to_string()))
            .collect();
        assert_eq!(findings(case), want, "{case}");
    }
}
