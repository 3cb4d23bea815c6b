//! The text form's parser (`Proposal::parse`) through the public API: the model it builds,
//! and each error's code, line and column.
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
    errs_with(Proposal::parse, text)
}

fn ok(text: &str) -> Proposal {
    ok_with(Proposal::parse, text)
}

#[test]
fn parses_the_design_example() {
    let p = ok(r#"
// comments with // to end of line
proposal caspian-shield-2026 {
  title: "Caspian Shield joint naval exercise"
  date: 2026-09-15
}

step ex1: exercise {
  participants: [turkey, azerbaijan, kazakhstan]
  area: caspian_sea
  framework: ots
  armed: true
  note: "first phase"
  date: 2026-09-20
}

step f1: transit_flight {
  operator: turkey
  route: [turkey, georgia, azerbaijan, caspian_sea, kazakhstan]
  cargo: [equipment]
  permits: [georgia, azerbaijan]
}
"#);
    assert_eq!(p.id.node, "caspian-shield-2026");
    assert_eq!(p.source.slice(p.span), "caspian-shield-2026");
    assert_eq!(
        p.title.as_ref().unwrap().node,
        "Caspian Shield joint naval exercise"
    );
    assert_eq!(p.date.unwrap().node.to_string(), "2026-09-15");
    assert_eq!(p.steps.len(), 2);
    let ex1 = &p.steps[0];
    assert_eq!(ex1.kind.node, "exercise");
    assert_eq!(ex1.date.as_ref().unwrap().node.to_string(), "2026-09-20");
    assert_eq!(ex1.note.as_ref().unwrap().node, "first phase");
    assert_eq!(ex1.attrs.len(), 4);
    assert_eq!(ex1.attrs[3].value.node, RawValue::Bool(true));
    assert_eq!(
        p.source.line_col(ex1.span.start),
        LineCol { line: 8, column: 1 }
    );
    assert!(p.source.slice(ex1.span).starts_with("step ex1"));
    assert!(p.source.slice(ex1.span).ends_with('}'));
    let RawValue::List(route) = &p.steps[1].attrs[1].value.node else {
        panic!()
    };
    assert_eq!(route.len(), 5);
    assert_eq!(p.source.slice(route[4].span), "kazakhstan");
}

#[test]
fn separators_lists_and_quoted_names() {
    let p = ok("proposal \"x.y\" {title: \"t\", date: 2026-01-01,}\n\
                    step s1: \"odd kind\" { a: 1, b: -2,\n c: [\n 1,\n [2, []],\n],\n \"my key\": x }\
                    step s2: k {}");
    assert_eq!(p.id.node, "x.y");
    assert_eq!(p.steps[0].kind.node, "odd kind");
    assert_eq!(p.steps[0].attrs[3].name.node, "my key");
    assert_eq!(
        p.steps[0].attrs[2].value.node.normalized(),
        RawValue::List(vec![
            Spanned::new(RawValue::Int(1), Span::default()),
            Spanned::new(
                RawValue::List(vec![
                    Spanned::new(RawValue::Int(2), Span::default()),
                    Spanned::new(RawValue::List(vec![]), Span::default()),
                ]),
                Span::default()
            ),
        ])
    );
    assert!(p.steps[1].attrs.is_empty());
}

#[test]
fn bom_crlf_and_arabic_text() {
    let text = "\u{FEFF}proposal p {\r\n  title: \"شبكة الدفاع التركية\"\r\n}\r\n\r\nstep s: exercise {\r\n  note: \"تمرين \\\"مشترك\\\" \\u{1F600}\\n\"\r\n  area: caspian_sea\r\n}\r\n";
    let p = ok(text);
    assert_eq!(p.title.as_ref().unwrap().node, "شبكة الدفاع التركية");
    assert_eq!(
        p.steps[0].note.as_ref().unwrap().node,
        "تمرين \"مشترك\" 😀\n"
    );
    assert_eq!(
        p.steps[0].attrs[0].value.node,
        RawValue::Ident("caspian_sea".into())
    );
    // an error after Arabic text counts columns in characters
    let e = errs("proposal p {\n  title: \"تمرين\" x: 1\n}");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 18)]);
    assert_eq!(e[0].label, "unexpected `x`");
}

#[test]
fn empty_input_and_missing_header() {
    for text in ["", "   \n\n", "\u{FEFF}", "// only a comment"] {
        let e = errs(text);
        assert_eq!(e[0].code, Code::ProposalSyntax);
        assert!(e[0].message.contains("`proposal`"), "{}", e[0].message);
        assert!(
            e[0].help
                .as_ref()
                .unwrap()
                .contains("starts with its header")
        );
    }
    let e = errs("step s: k {}");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 1)]);
    assert_eq!(e[0].label, "unexpected `step`");
}

#[test]
fn two_headers() {
    let e = errs("proposal a {}\nproposal b {}\n");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 1)]);
    assert!(e[0].help.as_ref().unwrap().contains("exactly one proposal"));
}

#[test]
fn missing_colon() {
    let e = errs("proposal p {}\nstep s: k {\n  area caspian_sea\n}");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 3, 8)]);
    assert_eq!(e[0].message, "expected `:`, found `caspian_sea`");
    assert!(e[0].help.as_ref().unwrap().contains("`:` between"));
    let e = errs("proposal p {}\nstep s k {}");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 8)]);
    assert!(e[0].help.as_ref().unwrap().contains("step ID: KIND"));
}

#[test]
fn missing_separator() {
    let e = errs("proposal p {}\nstep s: k { a: 1 b: 2 }");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 18)]);
    assert!(e[0].message.contains("`,`"), "{}", e[0].message);
    assert!(e[0].message.contains("`}`"), "{}", e[0].message);
}

#[test]
fn missing_closing_brace() {
    let e = errs("proposal p {}\nstep s: k {\n  a: 1\n\nstep t: k {}\n");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 5, 1)]);
    assert!(e[0].message.contains("`}`"), "{}", e[0].message);
    assert_eq!(e[0].related.len(), 1);
    let src = e[0].source.as_ref().unwrap();
    assert_eq!(
        src.line_col(e[0].related[0].span.start),
        LineCol {
            line: 2,
            column: 11
        }
    );
    assert!(e[0].help.as_ref().unwrap().contains("line 2"));
    // at the end of the file
    let e = errs("proposal p {}\nstep s: k {\n  a: [1, 2]\n");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 4, 1)]);
    assert_eq!(e[0].label, "unexpected end of file");
    assert_eq!(e[0].related.len(), 1);
}

#[test]
fn bad_values() {
    let e = errs("proposal p {}\nstep s: k { a: }");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 16)]);
    assert!(
        e[0].message.starts_with("expected a value"),
        "{}",
        e[0].message
    );
    let e = errs("proposal p {}\nstep s: k { a: [1, 2 }");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 22)]);
    assert!(e[0].message.contains("`]`"), "{}", e[0].message);
    let e = errs("proposal p {}\nstep s: k { a: 99999999999999999999 }");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 2, 16)]);
    assert!(e[0].message.contains("out of range"));
    assert_eq!(
        ok("proposal p {}\nstep s: k { a: -9223372036854775808 }").steps[0].attrs[0]
            .value
            .node,
        RawValue::Int(i64::MIN)
    );
}

#[test]
fn unterminated_string_and_bad_escapes() {
    let e = errs(
        "proposal p {\n  title: \"abc\n}\nstep s: k { a: \"x\\q\", b: \"\\u{110000}\", c: \"\\u{41}\" }",
    );
    assert_eq!(
        at(&e),
        [
            (Code::ProposalSyntax, 2, 10),
            (Code::ProposalSyntax, 4, 18),
            (Code::ProposalSyntax, 4, 27)
        ]
    );
    assert_eq!(e[0].message, "unterminated string");
    assert_eq!(e[1].message, "unknown escape `\\q`");
    assert!(e[2].message.starts_with("invalid unicode escape"));
    let e = errs("proposal p { title: \"abc");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 21)]);
    let e = errs("proposal p { title: \"abc\\");
    assert_eq!(e[0].code, Code::ProposalSyntax);
}

#[test]
fn dates() {
    let e = errs(
        "proposal p { date: 2026-02-30 }\nstep s: k { date: 2026-9-1, a: [2026-13-01] }\nstep t: k { date: \"2026-01-01\" }",
    );
    assert_eq!(
        at(&e),
        [
            (Code::InvalidDate, 1, 20),
            (Code::InvalidDate, 2, 19),
            (Code::InvalidDate, 2, 33),
            (Code::WrongType, 3, 19)
        ]
    );
    assert_eq!(e[0].label, "no such day");
    assert_eq!(e[1].label, "not of the form YYYY-MM-DD");
    assert!(e[3].help.as_ref().unwrap().contains("without quotes"));
}

#[test]
fn reserved_keys() {
    let e =
        errs("proposal p { title: x, tite: \"a\", id: q }\nstep s: k { note: 5, kind: j, id: z }");
    assert_eq!(
        at(&e),
        [
            (Code::WrongType, 1, 21),
            (Code::ProposalSyntax, 1, 24),
            (Code::DuplicateKey, 1, 35),
            (Code::WrongType, 2, 19),
            (Code::DuplicateKey, 2, 22),
            (Code::DuplicateKey, 2, 31)
        ]
    );
    assert_eq!(e[1].help.as_deref(), Some("did you mean `title`?"));
    assert_eq!(e[2].related[0].span, Span::new(9, 10));
}

#[test]
fn duplicates() {
    let e =
        errs("proposal p { title: \"a\"\n title: \"b\" }\nstep s: k { a: 1, a: 2 }\nstep s: k {}");
    assert_eq!(
        at(&e),
        [
            (Code::DuplicateKey, 2, 2),
            (Code::DuplicateKey, 3, 19),
            (Code::DuplicateStep, 4, 6)
        ]
    );
    let src = e[2].source.as_ref().unwrap();
    assert_eq!(
        src.line_col(e[2].related[0].span.start),
        LineCol { line: 3, column: 6 }
    );
    assert_eq!(e[2].related[0].label, "first used here");
}

#[test]
fn invalid_ids() {
    let e = errs("proposal \"\" {}\nstep \"a b\": k {}\nstep \"ت\": k {}");
    assert_eq!(
        at(&e),
        [
            (Code::InvalidProposal, 1, 10),
            (Code::InvalidProposal, 2, 6),
            (Code::InvalidProposal, 3, 6)
        ]
    );
    assert_eq!(e[0].message, "proposal id is empty");
    assert_eq!(e[1].label, "a space is not allowed in an id");
    let e = errs("proposal ت {}");
    assert_eq!(at(&e), [(Code::ProposalSyntax, 1, 10)]);
}

#[test]
fn deep_lists_are_rejected_without_recursion() {
    let ok_depth = format!(
        "proposal p {{}}\nstep s: k {{ a: {}{} }}",
        "[".repeat(MAX_LIST_DEPTH),
        "]".repeat(MAX_LIST_DEPTH)
    );
    ok(&ok_depth);
    let deep = format!(
        "proposal p {{}}\nstep s: k {{ a: {} }}",
        "[".repeat(100_000)
    );
    let e = errs(&deep);
    assert_eq!(
        at(&e),
        [(Code::ProposalSyntax, 2, 16 + MAX_LIST_DEPTH as u32)]
    );
}

#[test]
fn all_messages_are_readable() {
    // every pest rule that can show up in an error has words
    for text in [
        "proposal",
        "proposal p",
        "proposal p {",
        "proposal p { a",
        "proposal p { a:",
        "proposal p {}\nstep",
        "proposal p {}\nstep s",
        "proposal p {}\nstep s:",
        "proposal p {}\nstep s: k",
        "proposal p {}\nstep s: k {",
        "proposal p {}\nstep s: k { a: [",
        "proposal p {}\nstep s: k { a: [1",
        "proposal p {}\nstep s: k { a: 1",
        "proposal p {} x",
        "proposal p {}\nstep s: k { a: 1 } }",
        "proposal p {}\nstep s: k { a: @ }",
        "proposal p {}\nstep s: k { a: 1.5 }",
        "proposal p {}\nstep s: k { a: 12abc }",
    ] {
        let e = errs(text);
        assert_eq!(e.len(), 1, "{text}");
        assert!(
            !e[0].message.contains("something else"),
            "{text}: {}",
            e[0].message
        );
        assert!(e[0].help.is_some());
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 256, ..Default::default() })]

    #[test]
    fn never_panics_on_random_text(s in "\\PC*") {
        let _ = Proposal::parse(&s);
    }

    #[test]
    fn never_panics_on_proposal_like_text(
        s in "(proposal|step|[a-z]{1,4}|[{}\\[\\]:,\"\\\\\n ]|-?[0-9]{1,5}|2026-0[0-9]-[0-3][0-9]|//|\u{FEFF}|ت|\r){0,40}"
    ) {
        if let Ok(p) = Proposal::parse(&s) {
            proptest::prop_assert_eq!(Proposal::parse(&p.to_text()).ok(), Some(p));
        }
    }

    #[test]
    fn never_panics_on_random_bytes(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let s = String::from_utf8_lossy(&b);
        let _ = Proposal::parse(&s);
    }
}
