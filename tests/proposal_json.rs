//! The JSON form's parser (`Proposal::from_json`) through the public API: the model it builds
//! with exact spans, and each error's code, line and column.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests report failures by panicking"
)]

mod common;

use common::{at, errs_with, ok_with};
use pactum::*;

fn errs(text: &str) -> Vec<Diagnostic> {
    errs_with(Proposal::from_json, text)
}

fn ok(text: &str) -> Proposal {
    ok_with(Proposal::from_json, text)
}

#[test]
fn parses_the_design_example_with_exact_spans() {
    let text = r#"{
  "id": "caspian-shield-2026",
  "title": "Caspian Shield joint naval exercise",
  "date": "2026-09-15",
  "steps": [
    { "id": "ex1", "kind": "exercise",
      "participants": ["turkey", "azerbaijan", "kazakhstan"],
      "area": "caspian_sea", "framework": "ots", "n": -12, "armed": false }
  ]
}"#;
    let p = ok(text);
    assert_eq!(p.source.slice(p.span), "\"caspian-shield-2026\"");
    assert_eq!(p.date.unwrap().node.to_string(), "2026-09-15");
    let s = &p.steps[0];
    assert_eq!(
        p.source.line_col(s.span.start),
        LineCol { line: 6, column: 5 }
    );
    assert!(p.source.slice(s.span).starts_with('{') && p.source.slice(s.span).ends_with('}'));
    assert_eq!(p.source.slice(s.kind.span), "\"exercise\"");
    assert_eq!(s.attrs[0].name.node, "participants");
    assert_eq!(p.source.slice(s.attrs[0].name.span), "\"participants\"");
    let RawValue::List(items) = &s.attrs[0].value.node else {
        panic!()
    };
    assert_eq!(p.source.slice(items[2].span), "\"kazakhstan\"");
    assert_eq!(s.attrs[3].value.node, RawValue::Int(-12));
    assert_eq!(s.attrs[4].value.node, RawValue::Bool(false));
    assert_eq!(p.source.slice(s.attrs[4].name.span), "\"armed\"");
}

#[test]
fn syntax_errors_point_at_the_offset() {
    let e = errs("{\n  \"id\" 1 }");
    assert_eq!(at(&e), [(Code::JsonSyntax, 2, 8)]);
    assert_eq!(e[0].message, "invalid JSON: expected `:`");
    let e = errs("{\"id\": \"x\", \"steps\": [],}");
    assert_eq!(e[0].code, Code::JsonSyntax);
    assert!(e[0].help.as_ref().unwrap().contains("trailing comma"));
    let e = errs("{\"id\": \"x\",\n \"steps\": [");
    assert_eq!(e[0].code, Code::JsonSyntax);
    assert!(e[0].help.as_ref().unwrap().contains("ends too early"));
    // after Arabic text, columns count characters
    let e = errs("{\"title\": \"تمرين\" \"id\": 1}");
    assert_eq!(at(&e), [(Code::JsonSyntax, 1, 19)]);
}

#[test]
fn empty_input_bom_and_crlf() {
    for text in ["", "  \n", "\u{FEFF}"] {
        let e = errs(text);
        assert_eq!(e[0].code, Code::JsonSyntax);
    }
    let p = ok(
        "\u{FEFF}{\r\n\"id\": \"p\",\r\n\"title\": \"شبكة\",\r\n\"steps\": [{\"id\": \"s\", \"kind\": \"k\", \"note\": \"تمرين\"}]}",
    );
    assert_eq!(p.title.unwrap().node, "شبكة");
    assert_eq!(
        p.source.line_col(p.steps[0].span.start),
        LineCol {
            line: 4,
            column: 11
        }
    );
    let e = errs("\u{FEFF}{\"id\": 1 2}");
    assert_eq!(at(&e), [(Code::JsonSyntax, 1, 11)]);
    let e = errs("\u{FEFF}{\r\n\"id\": \"p\",\r\n\"steps\": [] x}");
    assert_eq!(at(&e), [(Code::JsonSyntax, 3, 13)]);
}

#[test]
fn top_level_shape() {
    let e = errs("[1]");
    assert_eq!(at(&e), [(Code::JsonShape, 1, 1)]);
    assert_eq!(e[0].label, "expected an object, found an array");
    let e = errs("{}");
    assert_eq!(at(&e), [(Code::JsonShape, 1, 1), (Code::JsonShape, 1, 1)]);
    assert_eq!(e[0].message, "missing `id` in the proposal");
    assert_eq!(e[1].message, "missing `steps` in the proposal");
    let e = errs("{\"id\": 5, \"steps\": {}, \"tittle\": \"t\", \"foo\": 1}");
    assert_eq!(
        at(&e),
        [
            (Code::JsonShape, 1, 8),
            (Code::JsonShape, 1, 20),
            (Code::JsonShape, 1, 24),
            (Code::JsonShape, 1, 39)
        ]
    );
    assert_eq!(e[0].message, "`id` must be a string");
    assert_eq!(e[1].message, "`steps` must be an array");
    assert_eq!(e[2].help.as_deref(), Some("did you mean `title`?"));
    assert!(e[3].help.as_ref().unwrap().contains("only `id`"));
}

#[test]
fn step_shape() {
    let e = errs(
        r#"{"id": "p", "steps": [
  1,
  {"kind": "k"},
  {"id": "a"},
  {"id": "b", "kind": 3, "note": ["x"]},
  {"id": "c", "kind": "k", "x": null, "y": 1.5, "z": {"a": 1}, "w": [1, null], "v": 1e3, "u": 99999999999999999999}
]}"#,
    );
    assert_eq!(
        at(&e),
        [
            (Code::JsonShape, 2, 3),
            (Code::JsonShape, 3, 3),
            (Code::JsonShape, 4, 3),
            (Code::JsonShape, 5, 23),
            (Code::JsonShape, 5, 34),
            // `"x": null` is `x` left out; the `null` inside `w`'s list is an error
            (Code::JsonShape, 6, 44),
            (Code::JsonShape, 6, 54),
            (Code::JsonShape, 6, 73),
            (Code::JsonShape, 6, 85),
            (Code::JsonShape, 6, 95),
        ]
    );
    assert_eq!(e[0].message, "a step must be a JSON object");
    assert_eq!(e[1].message, "missing `id` in a step");
    assert_eq!(e[2].message, "missing `kind` in a step");
    assert_eq!(e[3].message, "`kind` must be a string");
    assert_eq!(e[5].message, "`1.5` is not an integer");
    assert_eq!(e[6].message, "nested objects are not attribute values");
    assert_eq!(e[7].message, "null is not a list item");
    assert_eq!(e[7].help.as_deref(), Some("leave it out of the list"));
    assert_eq!(e[8].message, "`1e3` is not an integer");
    assert_eq!(
        e[9].message,
        "integer `99999999999999999999` is out of range"
    );
    let src = e[0].source.as_ref().unwrap();
    let slices: Vec<&str> = e.iter().map(|d| src.slice(d.span)).collect();
    assert_eq!(
        slices,
        [
            "1",
            "{",
            "{",
            "3",
            "[\"x\"]",
            "1.5",
            "{\"a\": 1}",
            "null",
            "1e3",
            "99999999999999999999"
        ]
    );
}

#[test]
fn dates() {
    let e = errs(
        r#"{"id": "p", "date": "2026-02-30", "steps": [
  {"id": "a", "kind": "k", "date": "15/09/2026", "start": "not a date"},
  {"id": "b", "kind": "k", "date": 20260915}
]}"#,
    );
    assert_eq!(
        at(&e),
        [
            (Code::InvalidDate, 1, 21),
            (Code::InvalidDate, 2, 36),
            (Code::JsonShape, 3, 36)
        ]
    );
    assert_eq!(e[0].label, "no such day");
    assert_eq!(e[1].label, "not of the form YYYY-MM-DD");
}

#[test]
fn duplicates() {
    let e = errs(
        r#"{"id": "p", "id": "q", "steps": [
  {"id": "a", "kind": "k", "x": 1, "x": 2},
  {"id": "a", "kind": "k", "kind": "j"}
]}"#,
    );
    assert_eq!(
        at(&e),
        [
            (Code::DuplicateKey, 1, 13),
            (Code::DuplicateKey, 2, 36),
            (Code::DuplicateStep, 3, 10),
            (Code::DuplicateKey, 3, 28)
        ]
    );
    let src = e[0].source.as_ref().unwrap();
    assert_eq!(src.slice(e[0].span), "\"id\"");
    assert_eq!(src.slice(e[0].related[0].span), "\"id\"");
    assert_eq!(e[0].related[0].span.start, 1);
    assert_eq!(
        src.line_col(e[2].related[0].span.start),
        LineCol {
            line: 2,
            column: 10
        }
    );
    // escaped quotes in keys do not confuse the key spans
    let e = errs(r#"{"id": "p", "steps": [{"id": "a", "kind": "k", "a\"b\\": 1, "a\"b\\" : 2}]}"#);
    assert_eq!(e[0].code, Code::DuplicateKey);
    assert_eq!(
        e[0].source.as_ref().unwrap().slice(e[0].span),
        r#""a\"b\\""#
    );
}

#[test]
fn invalid_ids() {
    let e = errs(r#"{"id": "", "steps": [{"id": "a b", "kind": "k"}, {"id": "ت", "kind": "k"}]}"#);
    assert_eq!(
        at(&e),
        [
            (Code::InvalidProposal, 1, 8),
            (Code::InvalidProposal, 1, 29),
            (Code::InvalidProposal, 1, 57)
        ]
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let wrap = |inner: &str| {
        format!(
            "{{\"id\": \"p\", \"steps\": [{{\"id\": \"a\", \"kind\": \"k\", \"x\": {inner}}}]}}"
        )
    };
    // malformed: serde_json reads raw values without recursion
    let e = errs(&wrap(&"[".repeat(100_000)));
    assert_eq!(e[0].code, Code::JsonSyntax);
    // well-formed but too deep: our own limit
    let n = 100_000;
    let e = errs(&wrap(&format!("{}{}", "[".repeat(n), "]".repeat(n))));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].code, Code::JsonShape);
    assert_eq!(e[0].message, "arrays nested too deeply");
    let src = e[0].source.as_ref().unwrap();
    assert_eq!(
        src.line_col(e[0].span.start).column,
        53 + MAX_LIST_DEPTH as u32
    );
    // and deep objects elsewhere
    let e = errs(&format!(
        "{{\"id\": \"p\", \"steps\": [], \"x\": {}}}",
        "{\"a\":".repeat(n)
    ));
    assert_eq!(e[0].code, Code::JsonSyntax);
    // the limit itself is fine, and prints as text
    let ok_deep = wrap(&format!(
        "{}1{}",
        "[".repeat(MAX_LIST_DEPTH),
        "]".repeat(MAX_LIST_DEPTH)
    ));
    let p = ok(&ok_deep);
    assert_eq!(Proposal::parse(&p.to_text()).unwrap().normalized(), p);
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

    #[test]
    fn never_panics_on_random_text(s in "\\PC*") {
        let _ = Proposal::from_json(&s);
    }

    #[test]
    fn never_panics_on_json_like_text(
        s in "(\\{|\\}|\\[|\\]|:|,|\"id\"|\"steps\"|\"kind\"|\"date\"|\"x\"|\"2026-02-3[01]\"|-?[0-9]{1,22}|1\\.5|null|true|\"\\\\\"|\u{FEFF}| |\n|ت){0,40}"
    ) {
        if let Ok(p) = Proposal::from_json(&s) {
            proptest::prop_assert_eq!(Proposal::from_json(&p.to_json_string()).ok(), Some(p.clone()));
            proptest::prop_assert_eq!(Proposal::parse(&p.to_text()).ok(), Some(p));
        }
    }

    #[test]
    fn never_panics_on_random_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let s = String::from_utf8_lossy(&b);
        let _ = Proposal::from_json(&s);
    }
}
